import type { Logger } from 'pino';
import type { TrustedClock } from '../../../core/clock/trusted-clock';
import type { Outbox } from '../../../core/centre/outbox';
import type { MonotonicSource } from '../../../core/dongle/dongle';
import type { LiveEvents } from '../../../core/events/live-events';
import { conflict, forbidden } from '../../../core/http/errors';
import type { SiteSettings } from '../../../core/settings/site-settings';
import type { Store } from '../../../core/store/store';
import type { AuthorizationDirectory } from '../../authorization/api';
import type { ExamDataService, SessionInfo } from '../../load/api';
import { assertOwnRoom, type ProctorPrincipal, type RegistrationDirectory } from '../../registration/api';
import { roomLiveTopic, type MonitorOverview, type MonitorRow, type ProctorRoomState, type RoomCounts } from '../api/contract';
import { RoomSnapshotRow } from './room-snapshot-row';
import { RoomStateBook, liveOf, silentRoom, type Heartbeat, type RoomRecord, type RoomStateThresholds } from './room-state-book';
import { SessionReports } from './session-reports';

export interface MonitorDeps {
  readonly store: Store;
  readonly examData: ExamDataService;
  readonly registrations: RegistrationDirectory;
  readonly authorizations: AuthorizationDirectory;
  readonly clock: TrustedClock;
  readonly live: LiveEvents;
  readonly outbox: Outbox;
  readonly settings: SiteSettings;
  readonly logger: Logger;
  readonly thresholds: RoomStateThresholds;
  /** Judges heartbeat age; never the PC's wall clock. */
  readonly monotonic: MonotonicSource;
}

export interface HeartbeatBody {
  readonly roomCode: string;
  readonly sessionNo: number | null;
  readonly state: ProctorRoomState;
  readonly counts: RoomCounts;
  readonly dataImported: boolean;
}

/** 考场监控 (R7): room state in memory, written in batches, pushed live to the page. */
export class MonitorService {
  readonly book: RoomStateBook;
  readonly reports: SessionReports;

  constructor(private readonly d: MonitorDeps) {
    this.book = new RoomStateBook(d.thresholds);
    this.reports = new SessionReports(d);
  }

  /** After a restart: the last snapshot, every room unknown until it beats. */
  async restore(): Promise<void> {
    const rows = await this.d.store.manager.find(RoomSnapshotRow);
    this.book.restore(
      rows.map((r) => ({
        roomCode: r.roomCode,
        ip: r.ip,
        sessionNo: r.sessionNo,
        state: (r.state as ProctorRoomState | null) ?? null,
        counts: r.counts ? (JSON.parse(r.counts) as RoomCounts) : null,
        dataImported: r.dataImported,
        lastBeatAt: r.lastBeatAt,
      })),
    );
  }

  /** Site time: the trusted clock when calibrated (cached, no HID round trip), else the PC. */
  async siteTime(): Promise<{ at: Date; source: 'trusted' | 'pc' }> {
    const trusted = await this.d.clock.now().catch(() => null);
    return trusted ? { at: trusted, source: 'trusted' } : { at: new Date(), source: 'pc' };
  }

  async heartbeat(principal: ProctorPrincipal, body: HeartbeatBody): Promise<{ at: Date; source: 'trusted' | 'pc' }> {
    assertOwnRoom(principal, body.roomCode);
    const time = await this.siteTime();
    const hb: Heartbeat = { ...body, ip: principal.ip };
    const outcome = this.book.beat(hb, this.d.monotonic(), time.at.toISOString());
    this.publish(outcome.record);
    if (outcome.transition) this.onTransition(outcome.record);
    return time;
  }

  /** 开考 / 结束考试 of the room's session (idempotent). */
  async changeSession(principal: ProctorPrincipal, roomCode: string, sessionNo: number, state: 'started' | 'ended'): Promise<{ changed: boolean; at: string }> {
    assertOwnRoom(principal, roomCode);
    const rooms = await this.d.examData.roomsOfSession(sessionNo);
    if (!rooms.includes(roomCode)) throw forbidden('ROOM_NOT_IN_SESSION', `考场 ${roomCode} 不参加第 ${sessionNo} 场，无法${state === 'started' ? '开考' : '结束考试'}`);
    const before = this.book.get(roomCode);
    if (before?.sessionNo === sessionNo && before.state === state) return { changed: false, at: before.lastBeatAt ?? new Date().toISOString() };
    if (state === 'ended' && !(before?.sessionNo === sessionNo && before.state === 'started')) {
      throw conflict('SESSION_NOT_STARTED', `考场 ${roomCode} 第 ${sessionNo} 场尚未开考，不能结束考试；请先开考`);
    }
    const time = await this.siteTime();
    const outcome = this.book.setState(roomCode, principal.ip, sessionNo, state, this.d.monotonic(), time.at.toISOString());
    this.publish(outcome.record);
    // A transition is written before the answer: a restart right after must not forget it.
    await this.flush();
    await this.reports.checkSession(sessionNo, this.book);
    return { changed: true, at: time.at.toISOString() };
  }

  /** Writes the rooms changed since the last flush, in one transaction. */
  async flush(): Promise<void> {
    const dirty = this.book.takeDirty();
    if (dirty.length === 0) return;
    const savedAt = new Date().toISOString();
    try {
      await this.d.store.write(async (em) => {
        await em.save(
          RoomSnapshotRow,
          dirty.map((r) => ({
            roomCode: r.roomCode,
            ip: r.ip,
            sessionNo: r.sessionNo,
            state: r.state,
            counts: r.counts ? JSON.stringify(r.counts) : null,
            dataImported: r.dataImported,
            lastBeatAt: r.lastBeatAt,
            savedAt,
          })),
          { chunk: 200 },
        );
      });
    } catch (err) {
      this.book.markDirty(dirty.map((r) => r.roomCode));
      this.d.logger.warn({ err }, '考场状态快照写入失败，将在下次重试');
    }
  }

  /** Re-judges connections by heartbeat age; pushes the rooms that changed. */
  sweep(): void {
    for (const r of this.book.sweep(this.d.monotonic())) this.publish(r);
  }

  /** The 考场监控 page (R7.1). */
  async overview(sessionNo: number | undefined): Promise<Omit<MonitorOverview, 'lastReportAt' | 'intervalSeconds' | 'lateAfterSeconds' | 'disconnectedAfterSeconds' | 'incidents' | 'notices'>> {
    const sessions = await this.d.examData.sessions();
    const chosen = sessionNo !== undefined ? sessions.find((s) => s.no === sessionNo) : currentSession(sessions, (await this.siteTime()).at.getTime());
    if (sessionNo !== undefined && !chosen) throw conflict('SESSION_UNKNOWN', `没有第 ${sessionNo} 场，请从列表中选择场次`);
    const view = sessions.map(sessionView);
    if (!chosen) return { sessions: view, session: null, rows: [] };
    const [roomCodes, registrations, authorization] = await Promise.all([
      this.d.examData.roomsOfSession(chosen.no),
      this.d.registrations.list(),
      this.d.authorizations.of(chosen.no),
    ]);
    const ipOf = new Map(registrations.map((r) => [r.roomCode, r.ip]));
    const rows: MonitorRow[] = [];
    for (const roomCode of roomCodes) {
      const data = await this.d.examData.room(roomCode);
      const record = this.book.get(roomCode);
      rows.push({
        roomCode,
        ip: ipOf.get(roomCode) ?? null,
        authorized: authorization?.authorized ?? false,
        verified: authorization?.verified ?? false,
        uploaded: null,
        plannedCandidates: data ? data.candidates.filter((c) => c.sessionNo === chosen.no).length : 0,
        live: record ? liveOf(record, 0, 0) : silentRoom(roomCode, 0, 0),
      });
    }
    return { sessions: view, session: sessionView(chosen), rows };
  }

  private onTransition(record: RoomRecord): void {
    void this.flush();
    if (record.sessionNo !== null) {
      this.reports.checkSession(record.sessionNo, this.book).catch((err: unknown) => this.d.logger.warn({ err }, '开考/结束状态上报检查失败'));
    }
  }

  private publish(record: RoomRecord): void {
    if (!this.d.live.anyoneWants(roomLiveTopic.id)) return;
    this.d.live.publish(roomLiveTopic, liveOf(record, 0, 0));
  }
}

function endOf(s: SessionInfo): number {
  return Date.parse(s.startsAt) + s.durationMinutes * 60_000;
}

function sessionView(s: SessionInfo): { no: number; name: string; startsAt: string; endsAt: string } {
  return { no: s.no, name: s.name, startsAt: s.startsAt, endsAt: new Date(endOf(s)).toISOString() };
}

/** The session running at `nowMs`, else the next one, else the last one. */
export function currentSession(sessions: readonly SessionInfo[], nowMs: number): SessionInfo | undefined {
  const sorted = [...sessions].sort((a, b) => Date.parse(a.startsAt) - Date.parse(b.startsAt));
  return sorted.find((s) => nowMs < endOf(s)) ?? sorted[sorted.length - 1];
}
