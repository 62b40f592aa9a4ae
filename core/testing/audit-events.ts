import type { Kernel } from '../kernel/kernel';
import { coreServices } from '../services';
import { AuditLogRow } from '../store/core-entities';
import type { Store } from '../store/store';

/**
 * How many `action` events the audit log holds: a coalesced summary row stands for its
 * `repeated` events (core/auth/audit-coalescer.ts). Open windows are written first.
 */
export async function auditEventCount(site: { readonly kernel: Kernel; readonly store: Store }, action: string): Promise<number> {
  await (await site.kernel.get(coreServices.audit)).flush();
  const rows = await site.store.manager.findBy(AuditLogRow, { action });
  return rows.reduce((n, r) => n + ((JSON.parse(r.detail) as { repeated?: number }).repeated ?? 1), 0);
}
