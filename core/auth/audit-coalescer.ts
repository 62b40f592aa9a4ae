/**
 * Bounds what unauthenticated callers can add to the audit log (issue 10 point 4): within a
 * window, the first event of one kind from one source is written at once; the repeats are
 * only counted and written as ONE summary row (count, first and last time) when the window
 * ends. 10,000 failed logins from one address in a window are two rows, not 10,000.
 */
export interface CoalescedEvent {
  readonly actor: string;
  readonly action: string;
  readonly detail: Record<string, unknown>;
}

export interface CoalescedSummary extends CoalescedEvent {
  /** Repeats after the first event of the window (the first one was written already). */
  readonly repeated: number;
  readonly firstAt: string;
  readonly lastAt: string;
}

interface OpenWindow {
  readonly endsAt: number;
  last: CoalescedEvent;
  repeated: number;
  firstAt: string | null;
  lastAt: string | null;
}

export interface AuditCoalescerOptions {
  readonly windowMs: number;
  /** Distinct sources tracked at once; beyond it, new sources share one key per action. */
  readonly maxKeys: number;
  readonly now?: () => number;
  /** Writes one summary row (repeats of a window). */
  readonly flush: (summary: CoalescedSummary) => Promise<void>;
  readonly onError: (e: unknown) => void;
}

export const DEFAULT_AUDIT_COALESCE_WINDOW_MS = 10 * 60_000;
export const DEFAULT_AUDIT_COALESCE_MAX_KEYS = 1000;

export class AuditCoalescer {
  private readonly windows = new Map<string, OpenWindow>();
  private timer: NodeJS.Timeout | null = null;
  private readonly now: () => number;

  constructor(private readonly options: AuditCoalescerOptions) {
    this.now = options.now ?? (() => Date.now());
  }

  /**
   * true: write this event now (first of its window); false: it was counted into the
   * window's summary instead.
   */
  admit(source: string, event: CoalescedEvent): boolean {
    const now = this.now();
    let key = `${event.action}\u0000${source}`;
    // A flood of distinct (spoofed) sources shares one key per action: memory stays bounded too.
    if (!this.windows.has(key) && this.windows.size >= this.options.maxKeys) key = `${event.action}\u0000*`;
    const open = this.windows.get(key);
    if (open && now < open.endsAt) {
      const at = new Date(now).toISOString();
      open.repeated++;
      open.firstAt ??= at;
      open.lastAt = at;
      open.last = event;
      return false;
    }
    if (open) this.close(key, open);
    this.windows.set(key, { endsAt: now + this.options.windowMs, last: event, repeated: 0, firstAt: null, lastAt: null });
    this.schedule();
    return true;
  }

  /** Writes the summaries of the windows that ended (all of them with `all`). */
  async flush(all = false): Promise<void> {
    const now = this.now();
    const pending: Promise<void>[] = [];
    for (const [key, open] of this.windows) {
      if (all || now >= open.endsAt) pending.push(this.close(key, open));
    }
    await Promise.all(pending);
    if (this.windows.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  /** Windows open now (tests). */
  get openWindows(): number {
    return this.windows.size;
  }

  private close(key: string, open: OpenWindow): Promise<void> {
    this.windows.delete(key);
    if (open.repeated === 0 || open.firstAt === null || open.lastAt === null) return Promise.resolve();
    const summary: CoalescedSummary = { ...open.last, repeated: open.repeated, firstAt: open.firstAt, lastAt: open.lastAt };
    return this.options.flush(summary).catch((e: unknown) => this.options.onError(e));
  }

  private schedule(): void {
    if (this.timer) return;
    const every = Math.max(50, Math.min(this.options.windowMs, 60_000));
    this.timer = setInterval(() => void this.flush(), every);
    this.timer.unref();
  }
}
