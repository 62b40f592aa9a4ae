import { sha256Hex } from '../crypto/hash';
import type { AuditEntryContent, ChainedAuditEntry } from './audit-entry';

export type { AuditEntryContent, ChainedAuditEntry } from './audit-entry';

/**
 * The audit log is a hash chain (issue 13 point 6, ADR 014): each entry stores the hash of the
 * entry before it and its own hash over that and its canonical content, so an edited, deleted,
 * inserted or reordered entry breaks the chain at a place the verification can name. The head
 * (last entry's id + hash) is kept apart so deleting the newest entries is seen too; the anchor
 * is where the chain starts once retention has dropped a prefix (genesis until then).
 */
export const AUDIT_CHAIN_GENESIS = '0'.repeat(64);

/** A point of the chain: an entry id and that entry's hash (id 0 = genesis). */
export interface AuditChainPoint {
  readonly entryId: number;
  readonly hash: string;
}

export const GENESIS_POINT: AuditChainPoint = { entryId: 0, hash: AUDIT_CHAIN_GENESIS };

/** SHA-256 over a JSON array (fixed field order): the canonical form of version 1. */
export function auditEntryHash(prevHash: string, e: AuditEntryContent): string {
  return sha256Hex(JSON.stringify(['examsite/audit/v1', prevHash, e.id, e.at, e.actor, e.action, e.room, e.detail]));
}

/** The room an entry concerns (filter 考场): `detail.roomCode`, else a `proctor:<room>` actor. */
export function auditRoomOf(actor: string, detail: Record<string, unknown>): string | null {
  const fromDetail = detail.roomCode;
  if (typeof fromDetail === 'string' && fromDetail.length > 0) return fromDetail.slice(0, 16);
  const m = /^proctor:(\d{1,16})$/.exec(actor);
  return m ? m[1]! : null;
}

export type AuditChainState =
  | { readonly intact: true; readonly entries: number; readonly head: AuditChainPoint; readonly anchor: AuditChainPoint }
  | {
      readonly intact: false;
      readonly entries: number;
      /** Id (第N条) of the first entry that is not what the chain says; for a cut tail, the first missing id. */
      readonly firstBrokenId: number;
      readonly reason: 'edited' | 'deleted' | 'tail-deleted';
      readonly anchor: AuditChainPoint;
    };

/**
 * Checks the chain entry by entry, in id order, starting from `anchor` and ending at `head`.
 * Fed in batches (`add`) so a long log is never held in memory.
 */
export class AuditChainVerifier {
  private prev: AuditChainPoint;
  private count = 0;
  private broken: { id: number; reason: 'edited' | 'deleted' } | null = null;

  constructor(private readonly anchor: AuditChainPoint) {
    this.prev = anchor;
  }

  /** Last entry checked (for the next batch's `id > …`). */
  get lastId(): number {
    return this.prev.entryId;
  }

  add(e: ChainedAuditEntry): void {
    this.count += 1;
    if (!this.broken) {
      // A missing predecessor shows as a link to a hash that is not the previous entry's.
      if (e.prevHash !== this.prev.hash || e.id <= this.prev.entryId) {
        // Entries missing before this one; or this one's link, or the previous entry (its hash
        // recomputed), was edited: the change starts at the earlier of the two.
        const deleted = e.id > this.prev.entryId + 1;
        const at = deleted ? this.prev.entryId + 1 : this.prev.entryId > this.anchor.entryId ? this.prev.entryId : e.id;
        this.broken = { id: at, reason: deleted ? 'deleted' : 'edited' };
      } else if (auditEntryHash(e.prevHash, e) !== e.hash) this.broken = { id: e.id, reason: 'edited' };
    }
    this.prev = { entryId: e.id, hash: e.hash };
  }

  finish(head: AuditChainPoint): AuditChainState {
    const base = { entries: this.count, anchor: this.anchor };
    if (this.broken) return { ...base, intact: false, firstBrokenId: this.broken.id, reason: this.broken.reason };
    if (head.entryId !== this.prev.entryId || head.hash !== this.prev.hash) {
      if (head.entryId > this.prev.entryId) return { ...base, intact: false, firstBrokenId: this.prev.entryId + 1, reason: 'tail-deleted' };
      // An entry past the head was written around the chain; same id, other hash: edited.
      return { ...base, intact: false, firstBrokenId: head.entryId < this.prev.entryId ? head.entryId + 1 : head.entryId, reason: 'edited' };
    }
    return { ...base, intact: true, head };
  }
}

/** 完整 / 第N条起被改动 (the page and the exports say the same). */
export function describeChainState(state: AuditChainState): string {
  if (state.intact) return '完整';
  if (state.reason === 'tail-deleted') return `第${state.firstBrokenId}条起被删除`;
  return `第${state.firstBrokenId}条起被改动`;
}
