import type { DataParticipant } from '../../../core/lifecycle/data-participants';
import { IncidentRow, NoticeAckRow, NoticeRow } from './incident-notice-rows';
import type { Logger } from 'pino';
import type { AuditLog } from '../../../core/auth/audit';
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
import { incidentTopic, noticeTopic, roomLiveTopic, type Incident, type MonitorOverview, type MonitorRow, type Notice, type ProctorRoomState, type RoomCounts, type RoomLive } from '../api/contract';
import { IncidentNoticeBook, type IncidentReport, type PendingNotice } from './incident-notice-book';
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
  readonly audit: AuditLog;
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
  /** Incidents and notices (persisted, mirrored in memory for the heartbeat path). */
  readonly notes: IncidentNoticeBook;

  constructor(private readonly d: MonitorDeps) {
    this.book = new RoomStateBook(d.thresholds);
    this.reports = new SessionReports(d);
    this.notes = new IncidentNoticeBook(d);
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
    await this.notes.restore();
  }

  /** Site time: the trusted clock when calibrated (cached, no HID round trip), else the PC. */
  async siteTime(): Promise<{ at: Date; source: 'trusted' | 'pc' }> {
    const trusted = await this.d.clock.now().catch(() => null);
    return trusted ? { at: trusted, source: 'trusted' } : { at: new Date(), source: 'pc' };
  }

  async heartbeat(principal: ProctorPrincipal, body: HeartbeatBody): Promise<{ at: Date; source: 'trusted' | 'pc'; notices: PendingNotice[] }> {
    assertOwnRoom(principal, body.roomCode);
    const time = await this.siteTime();
    const hb: Heartbeat = { ...body, ip: principal.ip };
    const outcome = this.book.beat(hb, this.d.monotonic(), time.at.toISOString());
    this.publish(outcome.record);
    if (outcome.transition) this.onTransition(outcome.record);
    return { ...time, notices: this.notes.pendingFor(body.roomCode) };
  }

  /** A proctor's incident of its own room: kept (row + audit line), shown at once. */
  async reportIncident(principal: ProctorPrincipal, report: IncidentReport): Promise<Incident> {
    const time = await this.siteTime();
    const incident = await this.notes.reportIncident(principal, report, time.at.toISOString());
    this.d.live.publish(incidentTopic, incident);
    this.publishRoom(report.roomCode);
    return incident;
  }

  /** An administrator's notice to every room (`roomCode` null) or one room. */
  async sendNotice(actor: string, roomCode: string | null, text: string): Promise<Notice> {
    const notice = await this.notes.sendNotice(actor, roomCode, text, (await this.siteTime()).at.toISOString());
    this.d.live.publish(noticeTopic, notice);
    for (const room of notice.pendingRooms) this.publishRoom(room);
    return notice;
  }

  async acknowledgeNotice(principal: ProctorPrincipal, noticeId: number, roomCode: string): Promise<{ ackedAt: string; changed: boolean }> {
    const outcome = await this.notes.acknowledge(principal, noticeId, roomCode, (await this.siteTime()).at.toISOString());
    if (outcome.changed) {
      this.d.live.publish(noticeTopic, outcome.notice);
      this.publishRoom(roomCode);
    }
    return { ackedAt: outcome.ackedAt, changed: outcome.changed };
  }

  /**
   * 系统初始化 (issue 11 point 5): snapshots, incidents, notices and acknowledgements go with
   * the site's other data; pending transitions are dropped so none is written after the clear.
   */
  dataParticipant(): DataParticipant {
    return {
      label: '考场监控数据',
      clear: async (em) => {
        if (this.transitionTimer) clearTimeout(this.transitionTimer);
        this.transitionTimer = null;
        this.sessionsToCheck.clear();
        for (const entity of [NoticeAckRow, NoticeRow, IncidentRow, RoomSnapshotRow]) await em.clear(entity);
      },
      afterClear: async () => {
        this.book.clear();
        await this.notes.restore();
      },
    };
  }

  /** The live state of a room as the page and other plugins see it. */
  liveOf(roomCode: string): RoomLive {
    const record = this.book.get(roomCode);
    const incidents = this.notes.incidentCount(roomCode);
    const unacknowledged = this.notes.unacknowledgedCount(roomCode);
    return record ? liveOf(record, incidents, unacknowledged) : silentRoom(roomCode, incidents, unacknowledged);
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
  async overview(sessionNo: number | undefined): Promise<Omit<MonitorOverview, 'lastReportAt' | 'intervalSeconds' | 'lateAfterSeconds' | 'disconnectedAfterSeconds' | 'missingWarnAt'>> {
    const sessions = await this.d.examData.sessions();
    const chosen = sessionNo !== undefined ? sessions.find((s) => s.no === sessionNo) : currentSession(sessions, (await this.siteTime()).at.getTime());
    if (sessionNo !== undefined && !chosen) throw conflict('SESSION_UNKNOWN', `没有第 ${sessionNo} 场，请从列表中选择场次`);
    const view = sessions.map(sessionView);
    const incidents = this.notes.allIncidents();
    const notices = this.notes.allNotices();
    if (!chosen) return { sessions: view, session: null, rows: [], incidents, notices };
    const [roomCodes, registrations, authorization] = await Promise.all([
      this.d.examData.roomsOfSession(chosen.no),
      this.d.registrations.list(),
      this.d.authorizations.of(chosen.no),
    ]);
    const ipOf = new Map(registrations.map((r) => [r.roomCode, r.ip]));
    const rows: MonitorRow[] = [];
    for (const roomCode of roomCodes) {
      const data = await this.d.examData.room(roomCode);
      rows.push({
        roomCode,
        ip: ipOf.get(roomCode) ?? null,
        authorized: authorization?.authorized ?? false,
        verified: authorization?.verified ?? false,
        uploaded: null,
        plannedCandidates: data ? data.candidates.filter((c) => c.sessionNo === chosen.no).length : 0,
        live: this.liveOf(roomCode),
      });
    }
    return { sessions: view, session: sessionView(chosen), rows, incidents, notices };
  }

  /**
   * A transition is written and its session checked promptly, but once per burst: after a
   * network blip every room comes back at once, and one write plus one session check per
   * room (each reading the session's rooms) made the heartbeat route database-bound
   * (ADR 016). Sessions whose check is due; flushing is due when `transitionTimer` is set.
   */
  private readonly sessionsToCheck = new Set<number>();
  private transitionTimer: NodeJS.Timeout | null = null;

  private onTransition(record: RoomRecord): void {
    if (record.sessionNo !== null) this.sessionsToCheck.add(record.sessionNo);
    this.transitionTimer ??= setTimeout(() => void this.writeTransitions(), TRANSITION_BATCH_MS);
  }

  /** The pending transitions now (also before a stop, so none is lost). */
  async writeTransitions(): Promise<void> {
    if (this.transitionTimer) clearTimeout(this.transitionTimer);
    this.transitionTimer = null;
    const sessions = [...this.sessionsToCheck];
    this.sessionsToCheck.clear();
    await this.flush();
    for (const sessionNo of sessions) {
      await this.reports.checkSession(sessionNo, this.book).catch((err: unknown) => this.d.logger.warn({ err }, '开考/结束状态上报检查失败'));
    }
  }

  private publish(record: RoomRecord): void {
    if (!this.d.live.anyoneWants(roomLiveTopic.id)) return;
    this.d.live.publish(roomLiveTopic, liveOf(record, this.notes.incidentCount(record.roomCode), this.notes.unacknowledgedCount(record.roomCode)));
  }

  private publishRoom(roomCode: string): void {
    if (this.d.live.anyoneWants(roomLiveTopic.id)) this.d.live.publish(roomLiveTopic, this.liveOf(roomCode));
  }
}

/** How long transitions gather before one write and one check per session. */
const TRANSITION_BATCH_MS = 50;

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
