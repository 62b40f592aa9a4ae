import type { MonitorDeps } from './monitor-service';
import type { IncidentNoticeBook } from './incident-notice-book';
import type { RoomStateBook } from './room-state-book';
import { ROOM_STATUS_KIND, SESSION_ENDED_KIND, SESSION_STARTED_KIND, type ReportedIncident, type RoomStatusPayload } from '../api/centre-reports';

export { ROOM_STATUS_KIND, SESSION_ENDED_KIND, SESSION_STARTED_KIND };

type ReportDeps = Pick<MonitorDeps, 'examData' | 'outbox' | 'settings' | 'store' | 'logger'>;

/**
 * R6.4 and R7.3: "every room of session N started / ended" as soon as it is true, and the
 * room status periodically. The outbox's idempotency key makes each report exactly once,
 * also when the same fact is seen again after a restart.
 */
export class SessionReports {
  constructor(private readonly d: ReportDeps) {}

  async checkSession(sessionNo: number, book: RoomStateBook): Promise<void> {
    const rooms = await this.d.examData.roomsOfSession(sessionNo);
    if (rooms.length === 0) return;
    const states = rooms.map((c) => book.get(c)).map((r) => (r && r.sessionNo === sessionNo ? r.state : null));
    const release = await this.d.examData.currentRelease();
    const scope = `${release?.siteCode ?? 'none'}:${release?.mode ?? 'none'}:${release ? Date.parse(release.releaseTime) : 0}:${sessionNo}`;
    // An ended room has started too.
    if (states.every((s) => s === 'started' || s === 'ended')) {
      await this.d.outbox.enqueue(SESSION_STARTED_KIND, { sessionNo, rooms }, { idempotencyKey: `session-started:${scope}` });
    }
    if (states.every((s) => s === 'ended')) {
      await this.d.outbox.enqueue(SESSION_ENDED_KIND, { sessionNo, rooms }, { idempotencyKey: `session-ended:${scope}` });
    }
  }

  /**
   * One room-status report per period: the period's start names it, so a restart does not
   * repeat it. It is a snapshot: each room carries its incidents so far (few, low-rate), so
   * the centre's latest report is complete without joining earlier ones.
   */
  async reportRoomStatus(book: RoomStateBook, notes: IncidentNoticeBook, periodMs: number, nowMs: number): Promise<void> {
    const site = this.d.settings.get();
    if (!site.siteCode) return;
    const periodStart = Math.floor(nowMs / periodMs) * periodMs;
    const incidentsOf = (roomCode: string): ReportedIncident[] =>
      notes.incidentsOf(roomCode).map(({ id, kind, note, ticketNo, sessionNo, reportedAt }) => ({ id, kind, note, ticketNo, sessionNo, reportedAt }));
    const rooms: RoomStatusPayload['rooms'] = book.all().map((r) => ({
      roomCode: r.roomCode,
      connection: r.connection,
      sessionNo: r.sessionNo,
      state: r.state,
      counts: r.counts,
      dataImported: r.dataImported,
      lastBeatAt: r.lastBeatAt,
      incidents: incidentsOf(r.roomCode),
    }));
    // A room that reported an incident but has no heartbeat state (e.g. right after a restart
    // without snapshot) still carries it.
    const known = new Set(rooms.map((r) => r.roomCode));
    for (const i of notes.allIncidents()) {
      if (known.has(i.roomCode)) continue;
      known.add(i.roomCode);
      rooms.push({
        roomCode: i.roomCode,
        connection: 'unknown',
        sessionNo: null,
        state: null,
        counts: null,
        dataImported: null,
        lastBeatAt: null,
        incidents: incidentsOf(i.roomCode),
      });
    }
    const payload: RoomStatusPayload = { periodStart: new Date(periodStart).toISOString(), rooms };
    await this.d.outbox.enqueue(
      ROOM_STATUS_KIND,
      payload,
      { idempotencyKey: `room-status:${site.siteCode}:${site.mode}:${periodStart}` },
    );
  }
}
