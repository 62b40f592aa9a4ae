import type * as NodeHid from 'node-hid';
import { TrustError } from '../crypto/trust-error';

export interface HidDeviceInfo {
  readonly path: string;
  readonly vendorId: number;
  readonly productId: number;
  readonly serialNumber?: string;
  readonly product?: string;
}

/** One open device. `read` resolves undefined on timeout and rejects on unplug. */
export interface HidConnection {
  write(report: Buffer): Promise<void>;
  read(timeoutMs: number): Promise<Buffer | undefined>;
  close(): Promise<void>;
}

/** The seam between the dongle driver and USB: node-hid in production, a fake in tests. */
export interface HidTransport {
  list(vendorId: number, productId: number): Promise<HidDeviceInfo[]>;
  open(path: string): Promise<HidConnection>;
}

type NodeHidModule = typeof NodeHid;

/**
 * node-hid is loaded lazily, on first use, inside try/catch: a missing native build or
 * libusb must show up as "no dongle" with a reason, never as a crash at startup.
 */
export function createNodeHidTransport(load: () => NodeHidModule = () => require('node-hid') as NodeHidModule): HidTransport {
  let loaded: NodeHidModule | null = null;
  let loadError: TrustError | null = null;
  const hid = (): NodeHidModule => {
    if (loaded) return loaded;
    if (loadError) throw loadError;
    try {
      loaded = load();
      return loaded;
    } catch (e) {
      loadError = new TrustError(
        'DONGLE_IO',
        `无法加载 USB 驱动（node-hid：${(e as Error).message}）；请安装机考锁驱动（Linux 需 hidraw/libusb 与 udev 规则）后重新启动`,
        { cause: e },
      );
      throw loadError;
    }
  };
  return {
    async list(vendorId, productId) {
      const devices = await hid().devicesAsync(vendorId, productId);
      return devices
        .filter((d): d is NodeHid.Device & { path: string } => typeof d.path === 'string' && d.path.length > 0)
        .map((d) => ({
          path: d.path,
          vendorId: d.vendorId,
          productId: d.productId,
          serialNumber: d.serialNumber,
          product: d.product,
        }));
    },
    async open(path) {
      const device = await hid().HIDAsync.open(path);
      // An 'error' event without a listener would throw from the emitter and end the process.
      device.on('error', () => undefined);
      return {
        async write(report) {
          await device.write(report);
        },
        async read(timeoutMs) {
          const data = await device.read(timeoutMs);
          return data && data.length > 0 ? Buffer.from(data) : undefined;
        },
        async close() {
          await device.close().catch(() => undefined);
        },
      };
    },
  };
}
