/**
 * Clocks a test moves by hand. The dongle's trusted clock runs on a monotonic source
 * (never the PC clock); `ManualMonotonicClock` is that source under the test's control.
 * `withPcClockShift` moves the PC clock (Date.now, `new Date()`) of this process for a
 * while, to prove that trusted time does not follow it.
 */
export class ManualMonotonicClock {
  private ms: number;

  constructor(startMs = 1_000_000) {
    this.ms = startMs;
  }

  /** The current reading; pass `clock.now` wherever a MonotonicSource is expected. */
  readonly now = (): number => this.ms;

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('a monotonic clock only moves forward');
    this.ms += ms;
  }
}

/** Runs `work` with the PC clock of this process moved by `offsetMs`; restores it after. */
export async function withPcClockShift<T>(offsetMs: number, work: () => Promise<T>): Promise<T> {
  const RealDate = Date;
  class ShiftedDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(RealDate.now() + offsetMs);
      else super(...(args as [string | number]));
    }
    static override now(): number {
      return RealDate.now() + offsetMs;
    }
  }
  globalThis.Date = ShiftedDate as DateConstructor;
  try {
    return await work();
  } finally {
    globalThis.Date = RealDate;
  }
}
