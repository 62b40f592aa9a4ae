import { TrustError } from '../crypto/trust-error';
import { parseWrappedKey, type WrappedKey } from '../crypto/wrap';
import { checkCentreTime, checkChallenge, labelBytes, type Dongle, type TrustedClockReading } from './dongle';
import {
  HID_REPORT_ID_REQUEST,
  HID_REPORT_ID_RESPONSE,
  HidCommand,
  HidStatus,
  ReportAssembler,
  decodeClock,
  decodeInfo,
  encodeReports,
  encodeTime,
  encodeUnwrap,
  type HidCommandCode,
} from './hid-protocol';
import type { HidConnection, HidDeviceInfo, HidTransport } from './hid-transport';

export interface HidDongleOptions {
  /** Whole-command deadline; a silent dongle counts as unplugged. Default 3000 ms. */
  readonly commandTimeoutMs?: number;
  /** Called once when the device is lost (I/O error, timeout, protocol violation). */
  readonly onLost?: (dongle: HidDongle, reason: string) => void;
}

const COMMAND_NAMES: Record<HidCommandCode, string> = {
  [HidCommand.GET_INFO]: '读取信息',
  [HidCommand.GET_PUBKEYS]: '读取公钥',
  [HidCommand.READ_CLOCK]: '读取时钟',
  [HidCommand.CALIBRATE]: '校时',
  [HidCommand.SIGN]: '签名',
  [HidCommand.DERIVE]: '派生密钥',
  [HidCommand.UNWRAP]: '解密密钥',
};

/**
 * The hardware dongle over HID. Commands run one at a time; any I/O failure closes the
 * connection, marks the dongle absent and rejects with TrustError 'DONGLE_IO' — the poller
 * re-opens the device if it is still (or again) plugged in.
 */
export class HidDongle implements Dongle {
  readonly kind = 'hid' as const;
  private alive = true;
  private txn = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private dongleId = '';
  private keys = { signing: '', wrapping: '' };
  private readonly timeoutMs: number;

  private constructor(
    readonly path: string,
    private readonly connection: HidConnection,
    private options: HidDongleOptions,
  ) {
    this.timeoutMs = options.commandTimeoutMs ?? 3000;
  }

  /** Opens the device and reads its id and public keys; rejects with 'DONGLE_IO' on failure. */
  static async open(transport: HidTransport, device: HidDeviceInfo, options: HidDongleOptions = {}): Promise<HidDongle> {
    let connection: HidConnection;
    try {
      connection = await transport.open(device.path);
    } catch (e) {
      throw ioError(`无法打开设备：${(e as Error).message}`, e);
    }
    // No onLost while opening: the service does not own this dongle yet.
    const dongle = new HidDongle(device.path, connection, { commandTimeoutMs: options.commandTimeoutMs });
    try {
      const info = decodeInfo(await dongle.command(HidCommand.GET_INFO, Buffer.alloc(0)));
      const keys = await dongle.command(HidCommand.GET_PUBKEYS, Buffer.alloc(0));
      if (keys.length !== 64) throw new Error('公钥长度不符');
      dongle.dongleId = info.id;
      dongle.keys = {
        signing: keys.subarray(0, 32).toString('base64url'),
        wrapping: keys.subarray(32, 64).toString('base64url'),
      };
    } catch (e) {
      await dongle.close();
      throw e instanceof TrustError ? e : ioError(`设备应答无效：${(e as Error).message}`, e);
    }
    dongle.options = options;
    return dongle;
  }

  id(): string {
    return this.dongleId;
  }

  present(): boolean {
    return this.alive;
  }

  publicKeys(): { signing: string; wrapping: string } {
    return { ...this.keys };
  }

  /** Presence check for the poller: answers and is still the same dongle. Never throws. */
  async ping(): Promise<boolean> {
    try {
      const info = decodeInfo(await this.command(HidCommand.GET_INFO, Buffer.alloc(0)));
      if (info.id !== this.dongleId) {
        this.fail(`设备编号已变为 ${info.id}`);
        return false;
      }
      return true;
    } catch {
      return false;
    }
  }

  async readClock(): Promise<TrustedClockReading | null> {
    const p = await this.command(HidCommand.READ_CLOCK, Buffer.alloc(0));
    try {
      return decodeClock(p);
    } catch (e) {
      throw this.fail((e as Error).message);
    }
  }

  async calibrate(centreTimeMs: number): Promise<void> {
    checkCentreTime(centreTimeMs);
    await this.command(HidCommand.CALIBRATE, encodeTime(centreTimeMs));
  }

  async sign(challenge: Buffer): Promise<Buffer> {
    checkChallenge(challenge);
    const sig = await this.command(HidCommand.SIGN, challenge);
    if (sig.length !== 64) throw this.fail('签名长度不符');
    return sig;
  }

  async deriveKey(label: string): Promise<Buffer> {
    const key = await this.command(HidCommand.DERIVE, labelBytes(label));
    if (key.length !== 32) throw this.fail('派生密钥长度不符');
    return key;
  }

  async unwrapKey(wrapped: WrappedKey, aad: Buffer): Promise<Buffer> {
    const w = parseWrappedKey(wrapped);
    return this.command(HidCommand.UNWRAP, encodeUnwrap({ epk: w.epk, iv: w.iv, tag: w.tag, aad, ct: w.ct }));
  }

  /** Closes the connection without reporting a loss (service stop, dongle replaced). */
  async close(): Promise<void> {
    if (!this.alive) return;
    this.alive = false;
    await this.connection.close().catch(() => undefined);
  }

  private command(cmd: HidCommandCode, payload: Buffer): Promise<Buffer> {
    const run = (): Promise<Buffer> => this.exchange(cmd, payload);
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async exchange(cmd: HidCommandCode, payload: Buffer): Promise<Buffer> {
    const name = COMMAND_NAMES[cmd];
    if (!this.alive) throw ioError(`机考锁已拔出或无响应，无法${name}`);
    this.txn = (this.txn % 255) + 1;
    const txn = this.txn;
    let response;
    try {
      for (const report of encodeReports(HID_REPORT_ID_REQUEST, txn, cmd, payload)) await this.connection.write(report);
      const assembler = new ReportAssembler(HID_REPORT_ID_RESPONSE, txn);
      const deadline = performance.now() + this.timeoutMs; // monotonic: a PC clock jump must not cut a command short
      for (;;) {
        const left = Math.ceil(deadline - performance.now());
        if (left <= 0) throw new Error('超时无响应');
        const report = await this.connection.read(left);
        if (!report) continue;
        const r = assembler.push(report);
        if (r !== 'more' && r !== 'ignored') {
          response = r;
          break;
        }
      }
    } catch (e) {
      throw this.fail(`${name}失败：${(e as Error).message}`, e);
    }
    if (response.code === HidStatus.OK) return response.payload;
    if (cmd === HidCommand.UNWRAP && response.code === HidStatus.CRYPTO_FAILED) {
      throw new TrustError(
        'DECRYPT_FAILED',
        '机考锁无法解开考试密钥：该密钥不是发给当前机考锁的，或数据已被篡改；请确认插入的是本考点的机考锁并重新获取考试授权',
      );
    }
    throw new TrustError(
      'DONGLE_REFUSED',
      `机考锁拒绝了“${name}”命令（状态 0x${response.code.toString(16).padStart(2, '0')}）；请重新插拔机考锁后重试，仍失败请联系监控平台`,
    );
  }

  /** Marks the device lost (once) and returns the error to throw. */
  private fail(reason: string, cause?: unknown): TrustError {
    if (this.alive) {
      this.alive = false;
      void this.connection.close().catch(() => undefined);
      try {
        this.options.onLost?.(this, reason);
      } catch {
        // the owner's callback must not turn a lost dongle into a crash
      }
    }
    return ioError(reason, cause);
  }
}

function ioError(reason: string, cause?: unknown): TrustError {
  return new TrustError('DONGLE_IO', `机考锁通信失败（${reason}）；请检查机考锁是否插好，重新插入后系统会自动识别`, { cause });
}
