import { openSignedJson } from '../crypto/signing';
import { TrustError } from '../crypto/trust-error';
import { defaultMonotonic, type Dongle, type MonotonicSource } from '../dongle/dongle';
import type { DongleProvider } from '../dongle/dongle-service';
import { parseTimeToken } from './time-token';
import { formatChinaTime } from '../time/china-time';

export type CalibrationSource = 'online' | 'file';

/** The last successful calibration, stored by the owner (database). */
export interface CalibrationRecord {
  /** PC clock when it happened (for the log; not trusted). */
  readonly at: string;
  readonly source: CalibrationSource;
  /** Centre time from the token: the authoritative part, and the replay floor. */
  readonly tokenTime: string;
  readonly dongleId: string;
}

export interface CalibrationStore {
  load(): Promise<CalibrationRecord | null>;
  save(record: CalibrationRecord): Promise<void>;
}

export interface TrustedClockOptions {
  readonly dongles: DongleProvider;
  /** Pinned centre public keys (text form). */
  readonly trustedKeys: readonly string[];
  /** A token older than this (vs. trusted time, or PC time when uncalibrated) is refused. Default 10. */
  readonly maxTokenAgeMinutes?: number;
  /**
   * A token dated later than the reference (trusted time, or PC time when uncalibrated) by
   * more than this plus the dongle's possible drift is refused. Default 10.
   */
  readonly maxTokenAheadMinutes?: number;
  /** A calibration older than this is "stale" (warn before a session). Default 24 h. */
  readonly staleAfterMs?: number;
  /** The PC clock; only compared, never trusted. Default Date.now. */
  readonly pcNow?: () => number;
  /** Default: in memory only. */
  readonly store?: CalibrationStore;
  /**
   * `now()` re-reads the dongle at most this often (ms) and in between adds the monotonic
   * time elapsed to the last reading, so a heartbeat costs no HID round trip. Default 5000;
   * 0 reads the dongle on every call.
   */
  readonly refreshMs?: number;
  /** Monotonic source for a dongle whose clock does not run in this process. Default: hrtime. */
  readonly monotonic?: MonotonicSource;
}

/** The last dongle reading, as trusted time minus monotonic time (null: uncalibrated). */
interface CachedOffset {
  readonly dongle: Dongle;
  readonly offsetMs: number | null;
  readonly readAtMono: number;
}

export const DEFAULT_CLOCK_REFRESH_MS = 5000;

export interface ClockReading {
  readonly trustedTime: string | null;
  readonly pcTime: string;
  /** PC minus trusted, ms (positive: the PC clock is ahead). */
  readonly driftMs: number | null;
  readonly calibrated: boolean;
  readonly lastCalibration: CalibrationRecord | null;
  /** Not calibrated, or calibrated longer ago than staleAfterMs (by the dongle's clock). */
  readonly stale: boolean;
  readonly dongleId: string | null;
  readonly sinceCalibrationMs: number | null;
  /** Chinese note for the UI when something needs attention. */
  readonly message?: string;
}

export const DEFAULT_MAX_TOKEN_AGE_MINUTES = 10;
export const DEFAULT_MAX_TOKEN_AHEAD_MINUTES = 10;
/**
 * How far a calibrated dongle clock may have drifted per unit of time since its calibration:
 * 100 ppm, five times a common crystal's tolerance (8.6 s a day).
 */
export const DONGLE_DRIFT_PER_MS = 100e-6;
export const DEFAULT_STALE_AFTER_MS = 24 * 60 * 60 * 1000;

/**
 * Trusted time = the dongle's calibrated clock. The PC clock is read only to report drift
 * and, while the dongle is uncalibrated, as a sanity bound on a token's age.
 */
export class TrustedClock {
  private readonly maxAgeMs: number;
  private readonly maxAheadMs: number;
  private readonly staleAfterMs: number;
  private readonly pcNow: () => number;
  private readonly store: CalibrationStore;
  private last: CalibrationRecord | null = null;
  private loaded = false;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly refreshMs: number;
  private readonly monotonic: MonotonicSource;
  private cached: CachedOffset | null = null;
  /** Bumped by invalidate(): a read that started before it must not fill the cache. */
  private generation = 0;
  /** One dongle read for every caller that finds the cache expired at the same moment. */
  private reading$: Promise<CachedOffset> | null = null;

  constructor(private readonly options: TrustedClockOptions) {
    const minutes = options.maxTokenAgeMinutes ?? DEFAULT_MAX_TOKEN_AGE_MINUTES;
    if (!(minutes > 0)) throw new RangeError('校时文件有效期 maxTokenAgeMinutes 必须大于 0');
    this.maxAgeMs = minutes * 60_000;
    const ahead = options.maxTokenAheadMinutes ?? DEFAULT_MAX_TOKEN_AHEAD_MINUTES;
    if (!(ahead > 0)) throw new RangeError('校时文件超前上限 maxTokenAheadMinutes 必须大于 0');
    this.maxAheadMs = ahead * 60_000;
    this.staleAfterMs = options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
    // Read Date.now at call time (not a captured reference) so a changed clock is seen.
    this.pcNow = options.pcNow ?? (() => Date.now());
    this.store = options.store ?? memoryStore();
    this.refreshMs = options.refreshMs ?? DEFAULT_CLOCK_REFRESH_MS;
    this.monotonic = options.monotonic ?? defaultMonotonic;
  }

  /** Trusted time, or null when there is no dongle or it is not calibrated. */
  async now(): Promise<Date | null> {
    const dongle = this.options.dongles.current();
    if (!dongle) {
      this.cached = null;
      return null;
    }
    const mono = dongle.monotonic ?? this.monotonic;
    let cached = this.cached;
    if (!cached || cached.dongle !== dongle || mono() - cached.readAtMono >= this.refreshMs || mono() < cached.readAtMono) {
      cached = await this.readOffset(dongle, mono);
    }
    return cached.offsetMs === null ? null : new Date(Math.round(mono() + cached.offsetMs));
  }

  /** Trusted time for decisions (time windows); throws when it cannot be had. */
  async requireNow(): Promise<Date> {
    if (!this.options.dongles.current()) throw new TrustError('DONGLE_ABSENT', '未检测到机考锁，无法获得可信时间；请插入机考锁');
    const now = await this.now();
    if (!now) throw new TrustError('CLOCK_UNCALIBRATED', '机考锁时钟尚未校时，请先完成机考锁校时再进行此操作');
    return now;
  }

  /** Forgets the cached reading (the dongle was plugged, unplugged or calibrated). */
  invalidate(): void {
    this.cached = null;
    this.reading$ = null;
    this.generation++;
  }

  private readOffset(dongle: Dongle, mono: MonotonicSource): Promise<CachedOffset> {
    if (this.reading$) return this.reading$;
    const read = this.readOnce(dongle, mono);
    this.reading$ = read;
    const done = (): void => {
      if (this.reading$ === read) this.reading$ = null;
    };
    read.then(done, done);
    return read;
  }

  private async readOnce(dongle: Dongle, mono: MonotonicSource): Promise<CachedOffset> {
    const generation = this.generation;
    const reading = await dongle.readClock();
    const at = mono();
    const fresh: CachedOffset = { dongle, offsetMs: reading ? reading.timeMs - at : null, readAtMono: at };
    // An unplug or calibration during the read leaves the cache empty instead of stale.
    if (generation === this.generation && this.options.dongles.current() === dongle) this.cached = fresh;
    return fresh;
  }

  async lastCalibration(): Promise<CalibrationRecord | null> {
    if (!this.loaded) {
      this.last = await this.store.load();
      this.loaded = true;
    }
    return this.last;
  }

  /** For the status bar and checks before the exam: never throws. */
  async reading(): Promise<ClockReading> {
    const pc = this.pcNow();
    const dongle = this.options.dongles.current();
    let clock: Awaited<ReturnType<NonNullable<typeof dongle>['readClock']>> = null;
    let message: string | undefined;
    if (!dongle) {
      message = '未检测到机考锁，无法获得可信时间';
    } else {
      try {
        clock = await dongle.readClock();
      } catch (e) {
        message = e instanceof Error ? e.message : String(e);
      }
    }
    let last: CalibrationRecord | null = null;
    try {
      last = await this.lastCalibration();
    } catch {
      // the record is informative; a store error must not hide the clock itself
    }
    const stale = !clock || clock.sinceCalibrationMs > this.staleAfterMs;
    if (dongle && !clock && !message) message = '机考锁时钟尚未校时，请在开考前完成机考锁校时';
    if (clock && stale) {
      message = `距上次机考锁校时已超过 ${Math.round(this.staleAfterMs / 3_600_000)} 小时，请在开考前重新校时`;
    }
    return {
      trustedTime: clock ? new Date(clock.timeMs).toISOString() : null,
      pcTime: new Date(pc).toISOString(),
      driftMs: clock ? pc - clock.timeMs : null,
      calibrated: clock !== null,
      lastCalibration: last,
      stale,
      dongleId: dongle?.id() ?? null,
      sinceCalibrationMs: clock?.sinceCalibrationMs ?? null,
      ...(message !== undefined ? { message } : {}),
    };
  }

  /**
   * Calibrates the dongle from a centre time token. Every check runs before anything is
   * changed; a refusal leaves the dongle clock and the stored record as they were.
   * Online callers pass the nonce they sent with the request.
   */
  calibrateWithToken(envelope: unknown, source: CalibrationSource, expectedNonce?: string): Promise<CalibrationRecord> {
    // One at a time: two tokens racing could both pass the replay check.
    const run = (): Promise<CalibrationRecord> => this.calibrate(envelope, source, expectedNonce);
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async calibrate(envelope: unknown, source: CalibrationSource, expectedNonce?: string): Promise<CalibrationRecord> {
    const dongle = this.options.dongles.current();
    if (!dongle) throw new TrustError('DONGLE_ABSENT', '未检测到机考锁，无法校时；请插入机考锁后重试');
    const token = parseTimeToken(openSignedJson(envelope, this.options.trustedKeys));
    if (token.dongleId !== dongle.id()) {
      throw new TrustError(
        'TOKEN_FOREIGN_DONGLE',
        `此校时文件属于机考锁 ${token.dongleId}，当前机考锁为 ${dongle.id()}；请为当前机考锁重新申请校时文件`,
      );
    }
    if (source === 'online' && expectedNonce !== undefined && token.nonce !== expectedNonce) {
      throw new TrustError('TOKEN_NONCE_MISMATCH', '在线校时应答与本次请求不匹配（可能是旧的或被截获的应答）；请重新在线校时');
    }
    const last = await this.lastCalibration();
    if (last && token.timeMs <= Date.parse(last.tokenTime)) {
      throw new TrustError(
        'TOKEN_REPLAYED',
        `此校时文件的时间 ${formatChinaTime(token.timeMs)} 不晚于上次校时的时间 ${formatChinaTime(Date.parse(last.tokenTime))}，是已使用过的旧文件；请从监控平台获取新的校时文件`,
      );
    }
    const clock = await dongle.readClock();
    const reference = clock ? clock.timeMs : this.pcNow();
    if (reference - token.timeMs > this.maxAgeMs) {
      const against = clock ? '机考锁当前可信时间' : '电脑当前时间（机考锁尚未校时；若电脑时间不准请先调整）';
      throw new TrustError(
        'TOKEN_EXPIRED',
        `校时文件已过期：签发时间 ${formatChinaTime(token.timeMs)}，比${against} ${formatChinaTime(reference)} 早了超过 ${this.maxAgeMs / 60_000} 分钟；请从监控平台重新获取校时文件并立即导入`,
      );
    }
    // A token far in the future would become the replay floor: every genuine token after it
    // would be refused as old, so one bad (or forged-by-mistake) file would block calibration.
    const aheadLimitMs = this.maxAheadMs + (clock ? clock.sinceCalibrationMs * DONGLE_DRIFT_PER_MS : 0);
    if (token.timeMs - reference > aheadLimitMs) {
      const against = clock ? '机考锁当前可信时间' : '电脑当前时间（机考锁尚未校时；若电脑时间偏慢请先调整电脑时间）';
      throw new TrustError(
        'TOKEN_FUTURE',
        `校时文件的签发时间 ${formatChinaTime(token.timeMs)} 比${against} ${formatChinaTime(reference)} 晚了超过 ${Math.round(aheadLimitMs / 60_000)} 分钟，超出机考锁时钟可能的偏差，不能用于校时；请从监控平台重新获取校时文件`,
      );
    }
    // No forward credit for transfer delay: the clock may lag by at most the token's age.
    this.invalidate();
    await dongle.calibrate(token.timeMs);
    this.invalidate();
    const record: CalibrationRecord = {
      at: new Date(this.pcNow()).toISOString(),
      source,
      tokenTime: new Date(token.timeMs).toISOString(),
      dongleId: dongle.id(),
    };
    await this.store.save(record);
    this.last = record;
    this.loaded = true;
    return record;
  }
}

function memoryStore(): CalibrationStore {
  let record: CalibrationRecord | null = null;
  return {
    load: async () => record,
    save: async (r) => {
      record = r;
    },
  };
}

