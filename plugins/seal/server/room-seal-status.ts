import type { Store } from '../../../core/store/store';
import type { RoomSealStatus, RoomSealStatusSource } from '../../registration/api';
import { SealRunRow } from './seal-run-row';

/** One room's result in a stored run. */
export interface RoomResult {
  readonly roomCode: string;
  readonly passed: boolean;
  readonly reason: string | null;
}

/**
 * The registration table's 封场检测 column (R5.3): each room's result in the last run. Reads
 * the store only, so registration (which starts before seal) needs no seal service.
 */
export class RoomSealStatusFromRuns implements RoomSealStatusSource {
  constructor(private readonly store: Store) {}

  async statusOf(roomCodes: readonly string[]): Promise<Readonly<Record<string, RoomSealStatus>>> {
    const row = await this.store.manager.findOne(SealRunRow, { where: {}, order: { id: 'DESC' } });
    if (!row) return {};
    const wanted = new Set(roomCodes);
    const out: Record<string, RoomSealStatus> = {};
    for (const r of JSON.parse(row.rooms) as RoomResult[]) {
      if (wanted.has(r.roomCode)) out[r.roomCode] = { passed: r.passed, checkedAt: row.ranAt, ...(r.reason ? { reason: r.reason } : {}) };
    }
    return out;
  }
}
