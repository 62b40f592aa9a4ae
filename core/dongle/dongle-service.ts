import { TrustError } from '../crypto/trust-error';
import type { Dongle, DongleKind, MonotonicSource } from './dongle';
import { HidDongle } from './hid-dongle';
import { createNodeHidTransport, type HidDeviceInfo, type HidTransport } from './hid-transport';
import { SoftDongle } from './soft-dongle';
import { TypedEmitter } from './typed-emitter';

export type DongleMode = 'auto' | 'hid' | 'soft';
export type ExamMode = 'formal' | 'mock';

export interface DongleServiceConfig {
  /** auto = the HID dongle when one is plugged in, else the software dongle. */
  readonly mode: DongleMode;
  readonly vendorId: number;
  readonly productId: number;
  /** Folder of soft-dongle.json. */
  readonly dataDir: string;
  /** Lets the software dongle pass for a formal exam, logged on every use. Lab tests only. */
  readonly labOverride: boolean;
  /** Presence poll interval; 0 disables the timer (tests call poll()). */
  readonly pollMs: number;
}

export interface DongleServiceDeps {
  readonly transport?: HidTransport;
  readonly warn?: (message: string) => void;
  /** Monotonic source of the software dongle's clock. */
  readonly monotonic?: MonotonicSource;
  readonly commandTimeoutMs?: number;
}

export interface DongleRef {
  readonly id: string;
  readonly kind: DongleKind;
}

/** Presence events; the kernel forwards them as hardware-hook events. */
export interface DongleEvents {
  attached: DongleRef;
  removed: DongleRef;
  error: { message: string };
}

export interface DongleStatus {
  readonly present: boolean;
  readonly id: string | null;
  readonly kind: DongleKind | null;
  /** '机考锁' or '模拟机考锁'; null when absent. */
  readonly label: string | null;
  /** Chinese note for the login page / status bar. */
  readonly message?: string;
}

/** What the clock and other consumers need: the active dongle, if any. */
export interface DongleProvider {
  current(): Dongle | null;
}

export const DONGLE_LABELS: Record<DongleKind, string> = { hid: '机考锁', soft: '模拟机考锁' };
export const DONGLE_ABSENT_MESSAGE = '未检测到机考锁，请插入机考锁后重新启动';
export const SOFT_DONGLE_MESSAGE = '当前使用模拟机考锁（软件模拟），仅用于开发和模拟考试，不能用于正式考试';

/**
 * Owns the active dongle driver. Presence is polled (an unplugged HID device gives a read
 * error, not an event); every change is published as attached/removed, every driver problem
 * as 'error' — nothing here throws out of the poll or crashes the process.
 */
export class DongleService implements DongleProvider {
  readonly events: TypedEmitter<DongleEvents>;
  private readonly transport: HidTransport;
  private readonly warn: (message: string) => void;
  private hid: HidDongle | null = null;
  private soft: SoftDongle | null = null;
  private active: DongleRef | null = null;
  private problem: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private polling: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly config: DongleServiceConfig,
    private readonly deps: DongleServiceDeps = {},
  ) {
    checkConfig(config);
    this.warn = deps.warn ?? ((m) => console.warn(m));
    this.events = new TypedEmitter<DongleEvents>((e) => this.warn(`机考锁事件处理出错：${(e as Error).message}`));
    this.transport = deps.transport ?? createNodeHidTransport();
  }

  on<K extends keyof DongleEvents>(event: K, listener: (payload: DongleEvents[K]) => void): () => void {
    return this.events.on(event, listener);
  }

  /** First scan (awaited), then polling every pollMs. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.poll();
    if (this.config.pollMs > 0 && !this.timer) {
      this.timer = setInterval(() => void this.poll(), this.config.pollMs);
      this.timer.unref();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.polling;
    const hid = this.hid;
    this.hid = null;
    await hid?.close();
    this.soft?.close();
    this.soft = null;
    this.active = null;
  }

  /** One presence scan; concurrent callers share the scan in flight. Never rejects. */
  poll(): Promise<void> {
    if (!this.polling) {
      this.polling = this.scan()
        .catch((e: unknown) => this.setProblem(messageOf(e)))
        .finally(() => {
          this.polling = null;
        });
    }
    return this.polling;
  }

  current(): Dongle | null {
    switch (this.config.mode) {
      case 'hid':
        return this.hid;
      case 'soft':
        return this.soft;
      case 'auto':
        return this.hid ?? this.soft;
    }
  }

  status(): DongleStatus {
    const d = this.current();
    if (!d) {
      return {
        present: false,
        id: null,
        kind: null,
        label: null,
        message: this.problem ? `未检测到机考锁（${this.problem}）。请插入机考锁后重新启动` : DONGLE_ABSENT_MESSAGE,
      };
    }
    const base = { present: true, id: d.id(), kind: d.kind, label: DONGLE_LABELS[d.kind] };
    if (d.kind === 'soft') {
      const override = this.config.labOverride ? '；已开启实验室覆盖，正式考试也会放行（仅限测试）' : '';
      return { ...base, message: SOFT_DONGLE_MESSAGE + override };
    }
    return base;
  }

  /** The dongle to use for an exam of this mode; the software dongle never passes formal. */
  assertUsableFor(mode: ExamMode): Dongle {
    const d = this.current();
    if (!d) throw new TrustError('DONGLE_ABSENT', this.status().message ?? DONGLE_ABSENT_MESSAGE);
    if (d.kind === 'soft' && mode === 'formal') {
      if (!this.config.labOverride) {
        throw new TrustError('DONGLE_SOFT_FORMAL', '模拟机考锁不能用于正式考试，请插入机考锁');
      }
      this.warn(`实验室覆盖：模拟机考锁 ${d.id()} 被用于正式考试（labOverride=true），仅限测试，不得用于真实考试`);
    }
    return d;
  }

  private async scan(): Promise<void> {
    if (this.stopped) return;
    if (this.config.mode !== 'soft') await this.scanHid();
    if (this.config.mode === 'soft' || (this.config.mode === 'auto' && !this.hid)) await this.ensureSoft();
    this.reconcile();
  }

  private async scanHid(): Promise<void> {
    let listed: HidDeviceInfo[] = [];
    let listOk = false;
    try {
      listed = await this.transport.list(this.config.vendorId, this.config.productId);
      listOk = true;
    } catch (e) {
      this.setProblem(messageOf(e));
    }
    const current = this.hid;
    if (current) {
      const stillThere = current.present() && listed.some((d) => d.path === current.path) && (await current.ping());
      if (!stillThere && this.hid === current) {
        this.hid = null;
        await current.close();
      }
    }
    if (this.hid) return;
    if (listed.length === 0) {
      // Nothing plugged in is the normal "absent" state, not a driver problem.
      if (listOk) this.setProblem(null);
      return;
    }
    try {
      const device = listed[0] as HidDeviceInfo;
      const opened = await HidDongle.open(this.transport, device, {
        commandTimeoutMs: this.deps.commandTimeoutMs,
        onLost: (d, reason) => this.lost(d, reason),
      });
      if (this.stopped) {
        await opened.close();
        return;
      }
      this.hid = opened;
      this.setProblem(null);
    } catch (e) {
      this.setProblem(messageOf(e));
    }
  }

  private async ensureSoft(): Promise<void> {
    if (this.soft) return;
    try {
      this.soft = await SoftDongle.open(this.config.dataDir, { monotonic: this.deps.monotonic });
    } catch (e) {
      this.setProblem(messageOf(e));
    }
  }

  private lost(dongle: HidDongle, reason: string): void {
    if (this.hid !== dongle) return;
    this.hid = null;
    this.events.emit('error', { message: `机考锁 ${dongle.id() || dongle.path} 连接中断：${reason}` });
    this.reconcile();
    // Re-scan soon: the device may still be plugged in (transient error) or auto falls back.
    if (!this.stopped) setImmediate(() => void this.poll());
  }

  /** Publishes the difference between the last announced dongle and the current one. */
  private reconcile(): void {
    const d = this.current();
    const next: DongleRef | null = d ? { id: d.id(), kind: d.kind } : null;
    const prev = this.active;
    if (prev?.id === next?.id && prev?.kind === next?.kind) return;
    this.active = next;
    if (prev) this.events.emit('removed', prev);
    if (next) this.events.emit('attached', next);
  }

  private setProblem(message: string | null): void {
    if (message === this.problem) return;
    this.problem = message;
    if (message !== null) this.events.emit('error', { message });
  }
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function checkConfig(c: DongleServiceConfig): void {
  const id16 = (n: number): boolean => Number.isInteger(n) && n >= 0 && n <= 0xffff;
  if (!['auto', 'hid', 'soft'].includes(c.mode)) throw new RangeError(`机考锁模式 ${String(c.mode)} 无效，应为 auto、hid 或 soft`);
  if (!id16(c.vendorId) || !id16(c.productId)) throw new RangeError('机考锁 vendorId/productId 必须是 0–65535 的整数');
  if (!Number.isInteger(c.pollMs) || c.pollMs < 0) throw new RangeError('机考锁轮询间隔 pollMs 必须是非负整数（毫秒）');
  if (!c.dataDir) throw new RangeError('机考锁数据目录未配置');
}
