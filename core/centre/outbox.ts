import { randomUUID } from 'node:crypto';
import { IsNull, Not } from 'typeorm';
import type { LiveEvents } from '../events/live-events';
import type { Store } from '../store/store';
import type { CentreClient } from './centre-client';
import { MAX_REPORT_BYTES, idempotencyKeySchema, reportKindSchema, type ExamMode } from './centre-contract';
import { CentreError } from './centre-error';
import { CentreOutboxRow } from './outbox-row';
import { outboxTopic } from './outbox-topic';

/** One report as the UI sees it. */
export interface OutboxEntry {
  readonly id: number;
  readonly idempotencyKey: string;
  readonly kind: string;
  readonly siteCode: string;
  readonly mode: ExamMode;
  readonly payload: unknown;
  readonly createdAt: string;
  readonly attempts: number;
  readonly nextAttemptAt: string;
  readonly lastError: string | null;
  /** Site time the centre's ack arrived (上报成功 time); null while pending. */
  readonly deliveredAt: string | null;
  /** The centre's receipt time from its ack. */
  readonly ackAt: string | null;
  readonly state: 'pending' | 'delivered';
}

/** Data of the live event `centre.outbox`. */
export interface OutboxLiveEvent {
  readonly change: 'queued' | 'delivered' | 'failed';
  readonly entry: OutboxEntry;
}

/** Id of the live topic `outboxTopic` (outbox-topic.ts). */
export const OUTBOX_LIVE_EVENT = outboxTopic.id;

export interface EnqueueOptions {
  /**
   * Names the report for deduplication: enqueueing the same key again returns the existing
   * entry instead of a second report (e.g. `<kind>:11003:2026-06-01`). Default: a UUID.
   */
  readonly idempotencyKey?: string;
}

/**
 * Reports to the centre, never lost (DESIGN "Never lose a result", R5.2, R12.1): a report
 * is committed to `centre_outbox` first, then a sender delivers it, retrying with backoff
 * until the centre acknowledges it.
 */
export interface Outbox {
  enqueue(kind: string, payload: unknown, options?: EnqueueOptions): Promise<OutboxEntry>;
  /** Not yet acknowledged, oldest first. */
  pending(): Promise<OutboxEntry[]>;
  /** Acknowledged, newest first (default at most 200). */
  delivered(kind?: string, limit?: number): Promise<OutboxEntry[]>;
  /** Looks one report up by its idempotency key. */
  find(idempotencyKey: string): Promise<OutboxEntry | null>;
  /** Asks the sender to try now; `now: true` also ignores the current backoff (network came back). */
  wake(options?: { now?: boolean }): void;
  /** Host lifecycle only: start (resuming pending reports) and stop the sender. */
  start(): void;
  stop(): Promise<void>;
}

export interface OutboxSite {
  get(): { readonly siteCode: string | null; readonly mode: ExamMode };
}

export interface StoreOutboxOptions {
  readonly store: Store;
  readonly centre: CentreClient;
  readonly site: OutboxSite;
  readonly live?: LiveEvents;
  /** First retry delay, doubled per attempt up to `retryMaxMs`. */
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  readonly log?: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
  readonly now?: () => number;
}

/** The outbox in the site's database with one in-process sender. */
export class StoreOutbox implements Outbox {
  private readonly now: () => number;
  private started = false;
  private stopping = false;
  private running: Promise<void> | null = null;
  private again = false;
  private againForce = false;
  private timer: NodeJS.Timeout | null = null;
  /** Set when the centre seemed away: no pass before this (unless forced). */
  private pausedUntil = 0;

  constructor(private readonly options: StoreOutboxOptions) {
    this.now = options.now ?? Date.now;
  }

  async enqueue(kind: string, payload: unknown, options: EnqueueOptions = {}): Promise<OutboxEntry> {
    if (!reportKindSchema.safeParse(kind).success) {
      throw new CentreError('CENTRE_REQUEST_INVALID', `上报类型 ${JSON.stringify(kind).slice(0, 80)} 无效`, 400);
    }
    const key = options.idempotencyKey ?? randomUUID();
    if (!idempotencyKeySchema.safeParse(key).success) {
      throw new CentreError('CENTRE_REQUEST_INVALID', '上报的幂等键应为 8–128 个字母、数字或 ._:-', 400);
    }
    let text: string | undefined;
    try {
      text = JSON.stringify(payload ?? null);
    } catch {
      text = undefined;
    }
    if (text === undefined) throw new CentreError('CENTRE_REQUEST_INVALID', '上报内容无法转换为 JSON', 400);
    if (Buffer.byteLength(text) > MAX_REPORT_BYTES - 4096) throw new CentreError('CENTRE_REQUEST_INVALID', '上报内容超过 1 MB 上限', 400);
    const site = this.options.site.get();
    if (!site.siteCode) throw new CentreError('CENTRE_REQUEST_INVALID', '尚未设置考点代码，无法生成上报；请先在系统设置中填写考点代码', 400);
    const siteCode = site.siteCode;
    const nowIso = new Date(this.now()).toISOString();
    const { row, created } = await this.options.store.write(async (em) => {
      const existing = await em.findOne(CentreOutboxRow, { where: { idempotencyKey: key } });
      if (existing) return { row: existing, created: false };
      const fresh = em.create(CentreOutboxRow, {
        idempotencyKey: key,
        kind,
        siteCode,
        mode: site.mode,
        payload: text as string,
        createdAt: nowIso,
        attempts: 0,
        nextAttemptAt: nowIso,
        lastError: null,
        deliveredAt: null,
        ackAt: null,
      });
      return { row: await em.save(fresh), created: true };
    });
    const entry = toEntry(row);
    // Inside a caller's unit of work the row exists only once that commits: tell the UI and
    // the sender then, never about a report that may still roll back.
    if (created) {
      this.options.store.afterCommit(() => {
        this.publish('queued', entry);
        this.wake();
      });
    }
    return entry;
  }

  async pending(): Promise<OutboxEntry[]> {
    const rows = await this.options.store.manager.find(CentreOutboxRow, { where: { deliveredAt: IsNull() }, order: { id: 'ASC' } });
    return rows.map(toEntry);
  }

  async delivered(kind?: string, limit = 200): Promise<OutboxEntry[]> {
    const rows = await this.options.store.manager.find(CentreOutboxRow, {
      where: { deliveredAt: Not(IsNull()), ...(kind ? { kind } : {}) },
      order: { id: 'DESC' },
      take: Math.max(1, Math.min(limit, 10_000)),
    });
    return rows.map(toEntry);
  }

  async find(idempotencyKey: string): Promise<OutboxEntry | null> {
    const row = await this.options.store.manager.findOne(CentreOutboxRow, { where: { idempotencyKey } });
    return row ? toEntry(row) : null;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.stopping = false;
    // Reports left from before a restart go out at once, whatever their old backoff said.
    this.wake({ now: true });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.clearTimer();
    await this.running;
    this.started = false;
  }

  wake(options: { now?: boolean } = {}): void {
    if (!this.started || this.stopping) return;
    if (options.now) this.againForce = true;
    if (this.running) {
      this.again = true;
      return;
    }
    this.again = true;
    this.running = this.loop();
  }

  // ---- sender -----------------------------------------------------------------------------

  private async loop(): Promise<void> {
    this.clearTimer();
    try {
      while (this.again && !this.stopping) {
        const force = this.againForce;
        this.again = false;
        this.againForce = false;
        try {
          await this.pass(force);
        } catch (e) {
          // The database itself failed: log, and try again later through the timer.
          this.options.log?.warn({ err: e }, '上报发送出错');
          this.pausedUntil = this.now() + this.options.retryBaseMs;
        }
      }
    } finally {
      this.running = null;
    }
    if (!this.stopping) await this.scheduleNext().catch(() => undefined);
  }

  private async pass(force: boolean): Promise<void> {
    if (!force && this.now() < this.pausedUntil) return;
    const rows = await this.options.store.manager.find(CentreOutboxRow, { where: { deliveredAt: IsNull() }, order: { id: 'ASC' } });
    for (const row of rows) {
      if (this.stopping) return;
      if (!force && Date.parse(row.nextAttemptAt) > this.now()) continue;
      const outcome = await this.deliver(row);
      if (outcome === 'centre-away') return;
    }
    this.pausedUntil = 0;
  }

  private async deliver(row: CentreOutboxRow): Promise<'ok' | 'refused' | 'centre-away'> {
    const store = this.options.store;
    try {
      const ack = await this.options.centre.sendReport({
        idempotencyKey: row.idempotencyKey,
        kind: row.kind,
        siteCode: row.siteCode,
        mode: row.mode === 'formal' ? 'formal' : 'mock',
        createdAt: row.createdAt,
        payload: JSON.parse(row.payload) as unknown,
      });
      // A crash right here re-sends the report at the next start: the centre dedupes by key.
      const deliveredAt = new Date(this.now()).toISOString();
      const saved = await store.write(async (em) => {
        await em.update(
          CentreOutboxRow,
          { id: row.id, deliveredAt: IsNull() },
          { deliveredAt, ackAt: ack.receivedAt, attempts: row.attempts + 1, lastError: null },
        );
        return em.findOneOrFail(CentreOutboxRow, { where: { id: row.id } });
      });
      this.publish('delivered', toEntry(saved));
      this.options.log?.info({ kind: row.kind, key: row.idempotencyKey }, '上报成功');
      return 'ok';
    } catch (e) {
      const away = !(e instanceof CentreError) || e.transient;
      const attempts = row.attempts + 1;
      const next = this.now() + this.backoff(attempts);
      const message = e instanceof Error ? e.message : String(e);
      const saved = await store.write(async (em) => {
        await em.update(CentreOutboxRow, { id: row.id, deliveredAt: IsNull() }, { attempts, nextAttemptAt: new Date(next).toISOString(), lastError: message.slice(0, 2000) });
        return em.findOne(CentreOutboxRow, { where: { id: row.id } });
      });
      if (saved) this.publish('failed', toEntry(saved));
      this.options.log?.warn({ kind: row.kind, key: row.idempotencyKey, attempts, err: message }, '上报未成功，稍后重试');
      if (away) {
        this.pausedUntil = next;
        return 'centre-away';
      }
      // The centre refused this one report: keep it (never drop), let the others through.
      return 'refused';
    }
  }

  private backoff(attempts: number): number {
    const { retryBaseMs, retryMaxMs } = this.options;
    return Math.min(retryMaxMs, retryBaseMs * 2 ** Math.min(30, Math.max(0, attempts - 1)));
  }

  private async scheduleNext(): Promise<void> {
    const next = await this.options.store.manager.findOne(CentreOutboxRow, {
      where: { deliveredAt: IsNull() },
      order: { nextAttemptAt: 'ASC' },
    });
    if (!next || this.stopping || this.running) return;
    const at = Math.max(Date.parse(next.nextAttemptAt), this.pausedUntil);
    this.clearTimer();
    this.timer = setTimeout(() => {
      this.timer = null;
      this.wake();
    }, Math.max(0, at - this.now()) + 5);
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private publish(change: OutboxLiveEvent['change'], entry: OutboxEntry): void {
    const data: OutboxLiveEvent = { change, entry };
    this.options.live?.publish(outboxTopic, data);
  }
}

function toEntry(row: CentreOutboxRow): OutboxEntry {
  let payload: unknown = null;
  try {
    payload = JSON.parse(row.payload) as unknown;
  } catch {
    payload = null;
  }
  return {
    id: row.id,
    idempotencyKey: row.idempotencyKey,
    kind: row.kind,
    siteCode: row.siteCode,
    mode: row.mode === 'formal' ? 'formal' : 'mock',
    payload,
    createdAt: row.createdAt,
    attempts: row.attempts,
    nextAttemptAt: row.nextAttemptAt,
    lastError: row.lastError,
    deliveredAt: row.deliveredAt,
    ackAt: row.ackAt,
    state: row.deliveredAt ? 'delivered' : 'pending',
  };
}
