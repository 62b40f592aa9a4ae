import type { Logger } from 'pino';
import { AuditLogRow } from '../store/core-entities';
import type { Store } from '../store/store';

/** Security-relevant events, kept in the database and in the log. */
export class AuditLog {
  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
  ) {}

  /** Joins the caller's unit of work when there is one: the line commits or rolls back with it. */
  async record(actor: string, action: string, detail: Record<string, unknown> = {}): Promise<void> {
    this.logger.info({ audit: action, actor, ...detail }, `审计: ${action}`);
    await this.store.write((em) =>
      em.insert(AuditLogRow, { at: new Date().toISOString(), actor: actor.slice(0, 64), action: action.slice(0, 64), detail: JSON.stringify(detail) }),
    );
  }

  async recent(limit = 100): Promise<AuditLogRow[]> {
    return this.store.manager.find(AuditLogRow, { order: { id: 'DESC' }, take: limit });
  }
}
