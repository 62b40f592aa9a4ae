import type { EntityManager } from 'typeorm';
import type { Outbox } from '../../../core/centre/outbox';
import type { SiteSettings } from '../../../core/settings/site-settings';
import { sha256Hex } from '../../../core/crypto';
import { isoNow } from '../../../core/store/columns';
import type { ExamDataService } from '../../load/api';
import { CollectedResultRow } from './result-rows';

/** The report queued once every session of every room is collected (R8.4). */
export const COLLECTION_STATUS_KIND = 'collection.status';

/** Every (room, session) the loaded exam data expects a result package for. */
export async function expectedRoomSessions(examData: ExamDataService): Promise<{ roomCode: string; sessionNo: number }[]> {
  const out: { roomCode: string; sessionNo: number }[] = [];
  for (const s of await examData.sessions()) {
    for (const roomCode of await examData.roomsOfSession(s.no)) out.push({ roomCode, sessionNo: s.no });
  }
  return out;
}

/**
 * R8.4: when the last expected package is collected, the collection status goes to the
 * centre through the outbox, in the unit of work that stored that package.
 */
export class CollectionProgress {
  constructor(
    private readonly examData: ExamDataService,
    private readonly outbox: Outbox,
    private readonly settings: SiteSettings,
  ) {}

  async reportIfComplete(em: EntityManager): Promise<boolean> {
    const expected = await expectedRoomSessions(this.examData);
    if (expected.length === 0) return false;
    const collected = new Set((await em.find(CollectedResultRow)).map((r) => `${r.roomCode}|${r.sessionNo}`));
    if (!expected.every((e) => collected.has(`${e.roomCode}|${e.sessionNo}`))) return false;
    const release = await this.examData.currentRelease();
    const { siteCode, mode } = this.settings.get();
    const sessions = [...new Set(expected.map((e) => e.sessionNo))].sort((a, b) => a - b);
    await this.outbox.enqueue(
      COLLECTION_STATUS_KIND,
      {
        siteCode,
        mode,
        releaseTime: release?.releaseTime ?? null,
        completedAt: isoNow(),
        sessions: sessions.map((no) => ({ sessionNo: no, rooms: expected.filter((e) => e.sessionNo === no).length, collected: expected.filter((e) => e.sessionNo === no).length })),
      },
      // The release time is not key-safe (spaces, '+'): its hash names the release instead.
      { idempotencyKey: `collection-complete:${siteCode}:${mode}:${release ? sha256Hex(Buffer.from(release.releaseTime)).slice(0, 16) : 'none'}` },
    );
    return true;
  }
}
