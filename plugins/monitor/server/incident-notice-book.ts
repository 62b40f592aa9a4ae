import { LOAD_STEP } from '../../load/api/contract';
import type { AuditLog } from '../../../core/auth/audit';
import { badRequest, notFound } from '../../../core/http/errors';
import type { Store } from '../../../core/store/store';
import type { ExamDataService } from '../../load/api';
import { assertOwnRoom, type ProctorPrincipal } from '../../registration/api';
import type { Incident, IncidentKind, Notice } from '../api/contract';
import { IncidentRow, NoticeAckRow, NoticeRow } from './incident-notice-rows';

export interface IncidentReport {
  readonly roomCode: string;
  readonly kind: IncidentKind;
  readonly note: string;
  readonly ticketNo: string | null;
  readonly sessionNo: number | null;
}

/** A notice as a proctor receives it in its heartbeat answer. */
export interface PendingNotice {
  readonly id: number;
  readonly text: string;
  readonly sentAt: string;
}

interface NoticeRecord {
  readonly id: number;
  readonly roomCode: string | null;
  readonly text: string;
  readonly sentAt: string;
  readonly targets: readonly string[];
  /** room → site time of its acknowledgement */
  readonly acked: Map<string, string>;
}

export interface IncidentNoticeDeps {
  readonly store: Store;
  readonly audit: AuditLog;
  readonly examData: ExamDataService;
}

/**
 * Incidents and notices (issue 11 point 7). Low-rate: each is one write (row + audit line in
 * the same unit of work). The rows are also held in memory, because heartbeats (high-rate)
 * read the pending notices and badge counts and must not query the database.
 */
export class IncidentNoticeBook {
  private readonly incidents: Incident[] = [];
  private readonly incidentsPerRoom = new Map<string, number>();
  private readonly notices = new Map<number, NoticeRecord>();

  constructor(private readonly d: IncidentNoticeDeps) {}

  async restore(): Promise<void> {
    const [incidents, notices, acks] = await Promise.all([
      this.d.store.manager.find(IncidentRow, { order: { id: 'ASC' } }),
      this.d.store.manager.find(NoticeRow, { order: { id: 'ASC' } }),
      this.d.store.manager.find(NoticeAckRow),
    ]);
    this.incidents.length = 0;
    this.incidentsPerRoom.clear();
    this.notices.clear();
    for (const row of incidents) this.remember(incidentOf(row));
    for (const row of notices) {
      this.notices.set(row.id, { id: row.id, roomCode: row.roomCode, text: row.text, sentAt: row.sentAt, targets: JSON.parse(row.targetRooms) as string[], acked: new Map() });
    }
    for (const a of acks) this.notices.get(a.noticeId)?.acked.set(a.roomCode, a.ackedAt);
  }

  async reportIncident(principal: ProctorPrincipal, report: IncidentReport, at: string): Promise<Incident> {
    assertOwnRoom(principal, report.roomCode);
    const incident = await this.d.store.write(async (em) => {
      const row = await em.save(IncidentRow, em.create(IncidentRow, { ...report, reportedAt: at }));
      await this.d.audit.record(`proctor@${principal.ip}`, 'monitor.incident', { ...report, id: row.id });
      return incidentOf(row);
    });
    this.remember(incident);
    return incident;
  }

  /** `roomCode` null: every room of the loaded data. */
  async sendNotice(actor: string, roomCode: string | null, text: string, at: string): Promise<Notice> {
    const rooms = (await this.d.examData.listRooms()).map((r) => r.roomCode);
    if (rooms.length === 0) throw badRequest('NO_ROOMS', `尚未载入考场数据，没有可以接收通知的考场；请先完成${LOAD_STEP.label}`).needs(LOAD_STEP);
    if (roomCode !== null && !rooms.includes(roomCode)) throw badRequest('ROOM_UNKNOWN', `没有考场 ${roomCode}，请从考场列表中选择`);
    const targets = roomCode === null ? rooms : [roomCode];
    const id = await this.d.store.write(async (em) => {
      const row = await em.save(NoticeRow, em.create(NoticeRow, { roomCode, text, sentAt: at, targetRooms: JSON.stringify(targets) }));
      await this.d.audit.record(actor, 'monitor.notice.sent', { id: row.id, roomCode, text });
      return row.id;
    });
    const record: NoticeRecord = { id, roomCode, text, sentAt: at, targets, acked: new Map() };
    this.notices.set(id, record);
    return noticeView(record);
  }

  /** Idempotent: a second acknowledgement keeps the first one's time. */
  async acknowledge(principal: ProctorPrincipal, noticeId: number, roomCode: string, at: string): Promise<{ notice: Notice; ackedAt: string; changed: boolean }> {
    assertOwnRoom(principal, roomCode);
    const record = this.notices.get(noticeId);
    if (!record || !record.targets.includes(roomCode)) throw notFound('NOTICE_UNKNOWN', `考场 ${roomCode} 没有编号为 ${noticeId} 的通知，请按心跳应答中的通知编号确认`);
    const before = record.acked.get(roomCode);
    if (before) return { notice: noticeView(record), ackedAt: before, changed: false };
    await this.d.store.write(async (em) => {
      await em.insert(NoticeAckRow, { noticeId, roomCode, ackedAt: at });
      await this.d.audit.record(`proctor@${principal.ip}`, 'monitor.notice.acknowledged', { id: noticeId, roomCode });
    });
    record.acked.set(roomCode, at);
    return { notice: noticeView(record), ackedAt: at, changed: true };
  }

  /** What the room's next heartbeat answer carries. */
  pendingFor(roomCode: string): PendingNotice[] {
    const out: PendingNotice[] = [];
    for (const n of this.notices.values()) if (n.targets.includes(roomCode) && !n.acked.has(roomCode)) out.push({ id: n.id, text: n.text, sentAt: n.sentAt });
    return out;
  }

  unacknowledgedCount(roomCode: string): number {
    let count = 0;
    for (const n of this.notices.values()) if (n.targets.includes(roomCode) && !n.acked.has(roomCode)) count++;
    return count;
  }

  incidentCount(roomCode: string): number {
    return this.incidentsPerRoom.get(roomCode) ?? 0;
  }

  incidentsOf(roomCode: string): Incident[] {
    return this.incidents.filter((i) => i.roomCode === roomCode);
  }

  /** Newest first. */
  allIncidents(limit = 500): Incident[] {
    return this.incidents.slice(-limit).reverse();
  }

  /** Newest first. */
  allNotices(): Notice[] {
    return [...this.notices.values()].reverse().map(noticeView);
  }

  private remember(incident: Incident): void {
    this.incidents.push(incident);
    this.incidentsPerRoom.set(incident.roomCode, (this.incidentsPerRoom.get(incident.roomCode) ?? 0) + 1);
  }
}

function incidentOf(row: IncidentRow): Incident {
  return {
    id: row.id,
    roomCode: row.roomCode,
    kind: row.kind as IncidentKind,
    note: row.note,
    ticketNo: row.ticketNo,
    sessionNo: row.sessionNo,
    reportedAt: row.reportedAt,
  };
}

function noticeView(n: NoticeRecord): Notice {
  return { id: n.id, roomCode: n.roomCode, text: n.text, sentAt: n.sentAt, pendingRooms: n.targets.filter((r) => !n.acked.has(r)) };
}
