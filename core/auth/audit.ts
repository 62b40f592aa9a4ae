import type { Logger } from 'pino';
import { Brackets, type EntityManager } from 'typeorm';
import { AuditChainRow, AuditLogRow } from '../store/core-entities';
import type { Store } from '../store/store';
import { AuditChainVerifier, GENESIS_POINT, auditEntryHash, auditRoomOf, type AuditChainPoint, type AuditChainState } from './audit-chain';
import { AuditCoalescer, DEFAULT_AUDIT_COALESCE_MAX_KEYS, DEFAULT_AUDIT_COALESCE_WINDOW_MS } from './audit-coalescer';

export interface AuditRecordOptions {
  /**
   * For events any unauthenticated caller can cause (failed logins, wrong registration
   * codes): the source (an IP). Repeats of the same action from it are coalesced per window.
   */
  readonly coalesceBy?: string;
}

/** Retention (docs/audit-log.md): entries older than `maxAgeDays`, and the oldest beyond `maxRows`, are dropped. */
export interface AuditRetention {
  readonly maxAgeDays: number;
  readonly maxRows: number;
  readonly coalesceWindowMs: number;
}

export const DEFAULT_AUDIT_RETENTION: AuditRetention = { maxAgeDays: 400, maxRows: 200_000, coalesceWindowMs: DEFAULT_AUDIT_COALESCE_WINDOW_MS };

const PRUNE_EVERY_MS = 60 * 60_000;

/** Which entries a listing or export wants; instants are ISO strings, `actionLike` SQL LIKE patterns (any one). */
export interface AuditQuery {
  readonly from?: string;
  readonly to?: string;
  readonly room?: string;
  readonly actionLike?: readonly string[];
  readonly limit?: number;
  readonly offset?: number;
}

const VERIFY_BATCH = 1000;

/**
 * Security-relevant events, kept in the database and in the log. The entries form a hash
 * chain (core/auth/audit-chain.ts); every change to the table goes through this class.
 */
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
    await this.store.write(async (em) => {
      const head = await chainPoint(em, 'head');
      const content = { at: new Date().toISOString(), actor: actor.slice(0, 64), action: action.slice(0, 64), room: auditRoomOf(actor, detail), detail: JSON.stringify(detail) };
      // The id is part of the hash: insert, then seal the row with its hash (same transaction).
      const inserted = await em.insert(AuditLogRow, { ...content, prevHash: head.hash, hash: '' });
      const id = Number((inserted.identifiers[0] as { id: number | string }).id);
      const hash = auditEntryHash(head.hash, { id, ...content });
      await em.update(AuditLogRow, { id }, { hash });
      await em.save(AuditChainRow, { name: 'head', entryId: id, hash });
    });
  }

  async recent(limit = 100): Promise<AuditLogRow[]> {
    return this.store.manager.find(AuditLogRow, { order: { id: 'DESC' }, take: limit });
  }

  /** Entries matching `q`, newest first, and how many match in all. */
  async list(q: AuditQuery): Promise<{ rows: AuditLogRow[]; total: number }> {
    const qb = this.store.manager.createQueryBuilder(AuditLogRow, 'a');
    if (q.from) qb.andWhere('a.at >= :from', { from: q.from });
    if (q.to) qb.andWhere('a.at <= :to', { to: q.to });
    if (q.room) qb.andWhere('a.room = :room', { room: q.room });
    const patterns = q.actionLike ?? [];
    if (patterns.length > 0) {
      qb.andWhere(new Brackets((w) => patterns.forEach((p, i) => w.orWhere(`a.action LIKE :p${i}`, { [`p${i}`]: p }))));
    }
    qb.orderBy('a.id', 'DESC');
    if (q.limit !== undefined) qb.take(q.limit);
    if (q.offset !== undefined) qb.skip(q.offset);
    const [rows, total] = await qb.getManyAndCount();
    return { rows, total };
  }

  /**
   * Walks the whole chain from its anchor: 完整, or where it was first changed. Reads in
   * batches up to the head it read; entries written meanwhile are walked in the next round,
   * and an entry beyond a settled head (written past the chain) counts as a change.
   */
  async verify(): Promise<AuditChainState> {
    const em = this.store.manager;
    const verifier = new AuditChainVerifier(await chainPoint(em, 'anchor'));
    let head = await chainPoint(em, 'head');
    for (;;) {
      for (;;) {
        const batch = await em
          .createQueryBuilder(AuditLogRow, 'a')
          .where('a.id > :after AND a.id <= :head', { after: verifier.lastId, head: head.entryId })
          .orderBy('a.id', 'ASC')
          .take(VERIFY_BATCH)
          .getMany();
        for (const row of batch) verifier.add({ ...row, id: Number(row.id) });
        if (batch.length < VERIFY_BATCH) break;
      }
      const beyond = await em.createQueryBuilder(AuditLogRow, 'a').where('a.id > :head', { head: head.entryId }).orderBy('a.id', 'ASC').getOne();
      const next = await chainPoint(em, 'head');
      if (next.entryId !== head.entryId || next.hash !== head.hash) {
        head = next;
        continue;
      }
      if (beyond) verifier.add({ ...beyond, id: Number(beyond.id) });
      return verifier.finish(head);
    }
  }

  /**
   * Retention (ADR 014): drops the entries up to `throughId` and records the last dropped
   * entry as the anchor, in one unit of work, so what remains still verifies.
   */
  async dropThrough(throughId: number): Promise<void> {
    await this.store.write(async (em) => {
      const last = await em.findOneBy(AuditLogRow, { id: throughId });
      if (!last) throw new Error(`审计日志中没有第 ${throughId} 条`);
      await em.createQueryBuilder().delete().from(AuditLogRow).where('id <= :id', { id: throughId }).execute();
      await em.save(AuditChainRow, { name: 'anchor', entryId: throughId, hash: last.hash });
    });
  }

  /**
   * Applies the retention rule now: drops (through `dropThrough`, so the chain still
   * verifies) every entry older than `maxAgeDays` and the oldest beyond `maxRows`, then
   * records what it dropped. Returns how many entries were dropped.
   */
  async prune(now = Date.now()): Promise<number> {
    const em = this.store.manager;
    const cutoff = new Date(now - this.retention.maxAgeDays * 86_400_000).toISOString();
    const lastOld = await em.createQueryBuilder(AuditLogRow, 'a').where('a.at < :cutoff', { cutoff }).orderBy('a.id', 'DESC').getOne();
    const overCap = await em.find(AuditLogRow, { order: { id: 'DESC' }, skip: this.retention.maxRows, take: 1 });
    const throughId = Math.max(lastOld ? Number(lastOld.id) : 0, overCap[0] ? Number(overCap[0].id) : 0);
    if (throughId === 0) return 0;
    const dropped = await em.createQueryBuilder(AuditLogRow, 'a').where('a.id <= :id', { id: throughId }).getCount();
    await this.dropThrough(throughId);
    await this.record('host', 'audit.pruned', { rows: dropped, throughId, olderThan: cutoff, maxRows: this.retention.maxRows });
    return dropped;
  }

  /** Prunes at start and hourly. */
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

async function chainPoint(em: EntityManager, name: 'head' | 'anchor'): Promise<AuditChainPoint> {
  const row = await em.findOneBy(AuditChainRow, { name });
  return row ? { entryId: Number(row.entryId), hash: row.hash } : GENESIS_POINT;
}
