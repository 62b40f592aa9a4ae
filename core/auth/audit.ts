import type { Logger } from 'pino';
import { LessThan } from 'typeorm';
import { AuditLogRow } from '../store/core-entities';
import type { Store } from '../store/store';
import { AuditCoalescer, DEFAULT_AUDIT_COALESCE_MAX_KEYS, DEFAULT_AUDIT_COALESCE_WINDOW_MS } from './audit-coalescer';

export interface AuditRecordOptions {
  /**
   * For events any unauthenticated caller can cause (failed logins, wrong registration
   * codes): the source (an IP). Repeats of the same action from it are coalesced per window.
   */
  readonly coalesceBy?: string;
}

/** Retention (docs/audit-log.md): rows older than `maxAgeDays`, and the oldest beyond `maxRows`, are removed. */
export interface AuditRetention {
  readonly maxAgeDays: number;
  readonly maxRows: number;
  readonly coalesceWindowMs: number;
}

export const DEFAULT_AUDIT_RETENTION: AuditRetention = { maxAgeDays: 400, maxRows: 200_000, coalesceWindowMs: DEFAULT_AUDIT_COALESCE_WINDOW_MS };

const PRUNE_EVERY_MS = 60 * 60_000;

/** Security-relevant events, kept in the database and in the log. */
export class AuditLog {
  private readonly coalescer: AuditCoalescer;
  private pruneTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
    private readonly retention: AuditRetention = DEFAULT_AUDIT_RETENTION,
  ) {
    this.coalescer = new AuditCoalescer({
      windowMs: retention.coalesceWindowMs,
      maxKeys: DEFAULT_AUDIT_COALESCE_MAX_KEYS,
      flush: (s) => this.insert(s.actor, s.action, { ...s.detail, repeated: s.repeated, firstAt: s.firstAt, lastAt: s.lastAt }),
      onError: (e) => this.logger.error({ err: e }, '审计日志汇总写入失败'),
    });
  }

  /** Joins the caller's unit of work when there is one: the line commits or rolls back with it. */
  async record(actor: string, action: string, detail: Record<string, unknown> = {}, options: AuditRecordOptions = {}): Promise<void> {
    if (options.coalesceBy !== undefined && !this.coalescer.admit(options.coalesceBy, { actor, action, detail })) return;
    this.logger.info({ audit: action, actor, ...detail }, `审计: ${action}`);
    await this.insert(actor, action, detail);
  }

  private async insert(actor: string, action: string, detail: Record<string, unknown>): Promise<void> {
    await this.store.write((em) =>
      em.insert(AuditLogRow, { at: new Date().toISOString(), actor: actor.slice(0, 64), action: action.slice(0, 64), detail: JSON.stringify(detail) }),
    );
  }

  async recent(limit = 100): Promise<AuditLogRow[]> {
    return this.store.manager.find(AuditLogRow, { order: { id: 'DESC' }, take: limit });
  }

  /** Applies the retention rule now; returns how many rows it removed. */
  async prune(now = Date.now()): Promise<number> {
    const cutoff = new Date(now - this.retention.maxAgeDays * 86_400_000).toISOString();
    const removed = await this.store.write(async (em) => {
      const byAge = (await em.delete(AuditLogRow, { at: LessThan(cutoff) })).affected ?? 0;
      let byCount = 0;
      const total = await em.count(AuditLogRow);
      if (total > this.retention.maxRows) {
        const keepFrom = await em.find(AuditLogRow, { order: { id: 'DESC' }, skip: this.retention.maxRows - 1, take: 1 });
        if (keepFrom[0]) byCount = (await em.delete(AuditLogRow, { id: LessThan(keepFrom[0].id) })).affected ?? 0;
      }
      return byAge + byCount;
    });
    if (removed > 0) await this.record('system', 'audit.pruned', { rows: removed, olderThan: cutoff, maxRows: this.retention.maxRows });
    return removed;
  }

  /** Prunes at start and hourly; `stop` writes the open coalescing windows' summaries. */
  startRetention(): void {
    const run = (): void => void this.prune().catch((e: unknown) => this.logger.error({ err: e }, '审计日志清理失败'));
    run();
    this.pruneTimer = setInterval(run, PRUNE_EVERY_MS);
    this.pruneTimer.unref();
  }

  /** Writes the summary rows of every open coalescing window now (shutdown, tests). */
  flush(): Promise<void> {
    return this.coalescer.flush(true);
  }

  async stop(): Promise<void> {
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    this.pruneTimer = null;
    await this.flush();
  }
}
