import { createHmac, randomBytes } from 'node:crypto';
import { generateSigningKeyPair, signBytes } from '../crypto/signing';
import { generateWrappingKeyPair, unwrapKeyWithPrivate } from '../crypto/wrap';
import { DONGLE_DERIVE_PREFIX, defaultMonotonic, dongleSignedMessage, type MonotonicSource } from './dongle';
import {
  HID_REPORT_ID_REQUEST,
  HID_REPORT_ID_RESPONSE,
  HidCommand,
  HidStatus,
  ReportAssembler,
  decodeTime,
  decodeUnwrap,
  encodeClock,
  encodeInfo,
  encodeReports,
  type HidMessage,
} from './hid-protocol';
import type { HidConnection, HidDeviceInfo, HidTransport } from './hid-transport';

/**
 * A dongle's firmware in software: answers the HID protocol of docs/dongle.md. It is the
 * reference for firmware authors and the device behind FakeHidTransport in tests. Its clock
 * survives unplugging (battery-backed, like the real dongle).
 */
export class SimulatedHidDevice {
  readonly signing = generateSigningKeyPair();
  readonly wrapping = generateWrappingKeyPair();
  private readonly secret = randomBytes(32);
  private calibration: { centreMs: number; monoMs: number } | null = null;

  constructor(
    readonly id: string = `KD-${randomBytes(4).toString('hex').toUpperCase()}`,
    private readonly monotonic: MonotonicSource = defaultMonotonic,
  ) {}

  handle(request: HidMessage): HidMessage {
    const ok = (payload: Buffer): HidMessage => ({ code: HidStatus.OK, payload });
    const status = (code: number): HidMessage => ({ code, payload: Buffer.alloc(0) });
    const p = request.payload;
    switch (request.code) {
      case HidCommand.GET_INFO:
        return ok(encodeInfo(this.id));
      case HidCommand.GET_PUBKEYS:
        return ok(Buffer.concat([
          Buffer.from(this.signing.publicKey, 'base64url'),
          Buffer.from(this.wrapping.publicKey, 'base64url'),
        ]));
      case HidCommand.READ_CLOCK: {
        if (!this.calibration) return ok(encodeClock(null));
        const since = Math.max(0, Math.round(this.monotonic() - this.calibration.monoMs));
        return ok(encodeClock({ timeMs: this.calibration.centreMs + since, sinceCalibrationMs: since }));
      }
      case HidCommand.CALIBRATE:
        if (p.length !== 8) return status(HidStatus.BAD_PAYLOAD);
        this.calibration = { centreMs: decodeTime(p), monoMs: this.monotonic() };
        return ok(Buffer.alloc(0));
      case HidCommand.SIGN:
        if (p.length === 0 || p.length > 1024) return status(HidStatus.BAD_PAYLOAD);
        return ok(signBytes(dongleSignedMessage(p), this.signing.privateKeyPem));
      case HidCommand.DERIVE:
        if (p.length === 0 || p.length > 200) return status(HidStatus.BAD_PAYLOAD);
        return ok(createHmac('sha256', this.secret).update(Buffer.concat([DONGLE_DERIVE_PREFIX, p])).digest());
      case HidCommand.UNWRAP: {
        let r;
        try {
          r = decodeUnwrap(p);
        } catch {
          return status(HidStatus.BAD_PAYLOAD);
        }
        try {
          const wrapped = {
            v: 1 as const,
            epk: r.epk.toString('base64'),
            iv: r.iv.toString('base64'),
            ct: r.ct.toString('base64'),
            tag: r.tag.toString('base64'),
          };
          return ok(unwrapKeyWithPrivate(wrapped, this.wrapping.privateKeyPem, r.aad));
        } catch {
          return status(HidStatus.CRYPTO_FAILED);
        }
      }
      default:
        return status(HidStatus.BAD_COMMAND);
    }
  }
}

interface Plugged {
  readonly info: HidDeviceInfo;
  readonly device: SimulatedHidDevice;
  /** Connections opened while plugged; all die on unplug. */
  readonly connections: Set<FakeConnection>;
}

/**
 * An in-memory HidTransport: plug/unplug simulated devices, inject read errors, silence,
 * or a missing driver (list() rejecting like a failed require('node-hid')).
 */
export class FakeHidTransport implements HidTransport {
  private readonly plugged = new Map<string, Plugged>();
  private nextPath = 1;
  /** When set, list() and open() reject with it (e.g. node-hid failed to load). */
  loadError: Error | null = null;
  /** Number of upcoming reads (any connection) that fail with an I/O error. */
  failReads = 0;
  /** When true, devices stop answering (reads time out). */
  silent = false;
  openCount = 0;

  constructor(
    readonly vendorId = 0x1209,
    readonly productId = 0x4b44,
  ) {}

  plug(device: SimulatedHidDevice): string {
    const path = `fake-hid-${this.nextPath++}`;
    this.plugged.set(path, {
      info: { path, vendorId: this.vendorId, productId: this.productId, serialNumber: device.id, product: 'KD dongle (fake)' },
      device,
      connections: new Set(),
    });
    return path;
  }

  unplug(path?: string): void {
    for (const [p, entry] of this.plugged) {
      if (path !== undefined && p !== path) continue;
      for (const c of entry.connections) c.kill();
      this.plugged.delete(p);
    }
  }

  async list(vendorId: number, productId: number): Promise<HidDeviceInfo[]> {
    if (this.loadError) throw this.loadError;
    return [...this.plugged.values()]
      .filter((e) => e.info.vendorId === vendorId && e.info.productId === productId)
      .map((e) => e.info);
  }

  async open(path: string): Promise<HidConnection> {
    if (this.loadError) throw this.loadError;
    const entry = this.plugged.get(path);
    if (!entry) throw new Error(`could not open HID device ${path}`);
    this.openCount++;
    const connection = new FakeConnection(entry.device, this, () => entry.connections.delete(connection));
    entry.connections.add(connection);
    return connection;
  }
}

class FakeConnection implements HidConnection {
  private dead = false;
  private readonly inbox: Buffer[] = [];
  private assembler: { txn: number; assembler: ReportAssembler } | null = null;
  private waiter: (() => void) | null = null;

  constructor(
    private readonly device: SimulatedHidDevice,
    private readonly transport: FakeHidTransport,
    private readonly onClose: () => void,
  ) {}

  kill(): void {
    this.dead = true;
    this.waiter?.();
  }

  async write(report: Buffer): Promise<void> {
    if (this.dead) throw new Error('could not write to HID device');
    if (report.length !== 64 || report[0] !== HID_REPORT_ID_REQUEST) return;
    const txn = report[1] as number;
    if (report[2] === 0 || !this.assembler || this.assembler.txn !== txn) {
      this.assembler = { txn, assembler: new ReportAssembler(HID_REPORT_ID_REQUEST, txn) };
    }
    const r = this.assembler.assembler.push(report);
    if (r === 'more' || r === 'ignored') return;
    this.assembler = null;
    if (this.transport.silent) return;
    const response = this.device.handle(r);
    this.inbox.push(...encodeReports(HID_REPORT_ID_RESPONSE, txn, response.code, response.payload));
    this.waiter?.();
  }

  async read(timeoutMs: number): Promise<Buffer | undefined> {
    if (this.transport.failReads > 0) {
      this.transport.failReads--;
      throw new Error('could not read from HID device');
    }
    if (this.dead) throw new Error('could not read from HID device');
    if (this.inbox.length === 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, timeoutMs);
        function done(): void {
          clearTimeout(timer);
          resolve();
        }
        this.waiter = done;
      });
      this.waiter = null;
      if (this.dead) throw new Error('could not read from HID device');
    }
    return this.inbox.shift();
  }

  async close(): Promise<void> {
    this.dead = true;
    this.waiter?.();
    this.onClose();
  }
}
