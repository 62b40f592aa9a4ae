import type { Outbox } from '../../../core/centre/outbox';
import type { SiteSettings } from '../../../core/settings/site-settings';
import type { Store } from '../../../core/store/store';
import type { ExamDataService, RoomData } from '../../load/api';
import type { ResultSubjectRecord } from '../api/result-package-format';
import { expectedRoomSessions } from './collection-progress';
import { resultReportKey } from './result-intake';
import { CollectedResultRow, ResultConflictRow } from './result-rows';
import { ResultBackupRow, ResultReportAckRow } from './report/report-rows';
import type { CollectionTable, CollectionTableRow, ReconciliationLine } from '../api/contract';

type PerSubject = number[];


/** The 数据回收 table (R8.3) and the reconciliation (R13.1), read from the stored results. */
export class CollectionTableService {
  constructor(
    private readonly store: Store,
    private readonly examData: ExamDataService,
    private readonly outbox: Outbox,
    private readonly settings: SiteSettings,
  ) {}

  async table(sessionFilter: number | null): Promise<CollectionTable> {
    const sessions = await this.examData.sessions();
    const expected = (await expectedRoomSessions(this.examData)).filter((e) => sessionFilter === null || e.sessionNo === sessionFilter);
    const results = new Map((await this.store.manager.find(CollectedResultRow)).map((r) => [`${r.roomCode}|${r.sessionNo}`, r]));
    const conflicts = await this.store.manager.find(ResultConflictRow);
    const rooms = new Map<string, RoomData | null>();
    const rows: CollectionTableRow[] = [];
    for (const e of expected) {
      if (!rooms.has(e.roomCode)) rooms.set(e.roomCode, await this.examData.room(e.roomCode));
      const room = rooms.get(e.roomCode);
      const subjects = (sessions.find((s) => s.no === e.sessionNo)?.subjects ?? []).map((s) => s.code);
      const candidates = subjects.map((code) => room?.candidates.filter((c) => c.sessionNo === e.sessionNo && c.subjectCodes.includes(code)).length ?? 0);
      const result = results.get(`${e.roomCode}|${e.sessionNo}`);
      const records = result ? (JSON.parse(result.subjectsJson) as ResultSubjectRecord[]) : [];
      const of = (code: string): ResultSubjectRecord | undefined => records.find((r) => r.subjectCode === code);
      const present = subjects.map((code) => of(code)?.present.length ?? 0);
      const absent = subjects.map((code) => of(code)?.absent.length ?? 0);
      const collected = subjects.map((code) => of(code)?.submitted.length ?? 0);
      const uncollected = subjects.map((_, i) => (result ? present[i]! - collected[i]! : candidates[i]!));
      rows.push({
        roomCode: e.roomCode,
        sessionNo: e.sessionNo,
        subjects,
        candidates,
        present,
        absent,
        collected,
        uncollected,
        packageCollected: result !== undefined,
        report: result ? await this.reportState(result) : '无数据',
        conflicts: conflicts.filter((c) => c.roomCode === e.roomCode && c.sessionNo === e.sessionNo).length,
      });
    }
    const width = Math.max(0, ...rows.map((r) => r.subjects.length));
    const sum = (pick: (r: CollectionTableRow) => PerSubject): PerSubject => Array.from({ length: width }, (_, i) => rows.reduce((n, r) => n + (pick(r)[i] ?? 0), 0));
    return {
      sessions: sessions.map((s) => ({ no: s.no, name: s.name })),
      rows,
      totals: { candidates: sum((r) => r.candidates), present: sum((r) => r.present), absent: sum((r) => r.absent), collected: sum((r) => r.collected), uncollected: sum((r) => r.uncollected) },
      expectedPackages: rows.length,
      collectedPackages: rows.filter((r) => r.packageCollected).length,
    };
  }

  /** Every expected (room, session, subject, candidate), optionally of one room and session (考场情况 查看). */
  async reconciliation(only: { roomCode: string; sessionNo: number } | null = null): Promise<ReconciliationLine[]> {
    const lines: ReconciliationLine[] = [];
    const results = new Map((await this.store.manager.find(CollectedResultRow)).map((r) => [`${r.roomCode}|${r.sessionNo}`, r]));
    const [newestBackup] = await this.store.manager.find(ResultBackupRow, { order: { createdAt: 'DESC' }, take: 1 });
    const backedUp = new Set<string>(newestBackup?.verifiedAt ? (JSON.parse(newestBackup.packagesJson) as string[]) : []);
    const acknowledged = new Set((await this.store.manager.find(ResultReportAckRow)).map((a) => a.packageSha256));
    const sessions = await this.examData.sessions();
    const expected = (await expectedRoomSessions(this.examData)).filter((e) => !only || (e.roomCode === only.roomCode && e.sessionNo === only.sessionNo));
    for (const e of expected) {
      const room = await this.examData.room(e.roomCode);
      const result = results.get(`${e.roomCode}|${e.sessionNo}`);
      const records = result ? (JSON.parse(result.subjectsJson) as ResultSubjectRecord[]) : [];
      const reported = result ? (await this.reportState(result)) === '上报成功' : false;
      for (const subject of sessions.find((s) => s.no === e.sessionNo)?.subjects ?? []) {
        const record = records.find((r) => r.subjectCode === subject.code);
        for (const c of room?.candidates.filter((x) => x.sessionNo === e.sessionNo && x.subjectCodes.includes(subject.code)) ?? []) {
          const state = !result ? 'pending' : record?.absent.includes(c.ticketNo) ? 'absent' : record?.submitted.includes(c.ticketNo) ? 'collected' : 'missing';
          const held = state === 'collected' && result !== undefined;
          lines.push({
            roomCode: e.roomCode,
            sessionNo: e.sessionNo,
            subjectCode: subject.code,
            ticketNo: c.ticketNo,
            name: c.name,
            state,
            backedUp: held && backedUp.has(result.packageSha256),
            reported: held && reported,
            acknowledged: held && acknowledged.has(result.packageSha256),
          });
        }
      }
    }
    return lines;
  }

  private async reportState(row: CollectedResultRow): Promise<'上报成功' | '待上报'> {
    const { siteCode, mode } = this.settings.get();
    const entry = await this.outbox.find(resultReportKey(siteCode ?? '', mode, row.roomCode, row.sessionNo, row.packageSha256));
    return entry?.state === 'delivered' ? '上报成功' : '待上报';
  }
}

