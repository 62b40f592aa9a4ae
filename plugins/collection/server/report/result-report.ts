import { REPORT_BACKUP_PLACE } from '../../api/report-contract';
import type { AuditLog } from '../../../../core/auth/audit';
import type { CentreClient } from '../../../../core/centre';
import { conflict, notFound } from '../../../../core/http/errors';
import type { LiveEvents } from '../../../../core/events/live-events';
import type { SiteSettings } from '../../../../core/settings/site-settings';
import type { Store } from '../../../../core/store/store';
import type { ExamDataService } from '../../../load/api';
import type { CollectedPackage, CollectedResultsSource } from './collected-results';
import { reportChangedTopic, type ReportView, type SessionReportView } from '../../api/report-contract';
import { ResultBackupStep } from './result-backup-step';
import { ResultUploadStep } from './result-upload-step';

const PUBLISH_EVERY_MS = 250;

export interface ResultReportDeps {
  readonly store: Store;
  readonly settings: SiteSettings;
  readonly audit: AuditLog;
  readonly centre: CentreClient;
  readonly live: LiveEvents;
  readonly examData: ExamDataService;
  readonly source: CollectedResultsSource;
  readonly now?: () => string;
}

function statusText(roomCount: number, reported: number): string {
  if (reported === 0) return '全部未上报';
  if (reported >= roomCount) return '全部已上报';
  return `${roomCount - reported}个未上报`;
}

/** 考后上报 (R8.5, manual §5.2): 第一步 backup, 第二步 upload tool, one view of both. */
export class ResultReport {
  readonly backup: ResultBackupStep;
  readonly upload: ResultUploadStep;
  private publishTimer: NodeJS.Timeout | null = null;

  constructor(private readonly deps: ResultReportDeps) {
    const changed = (): void => this.changed();
    this.backup = new ResultBackupStep({ ...deps, now: deps.now ?? (() => new Date().toISOString()), changed });
    this.upload = new ResultUploadStep({ ...deps, changed });
  }

  async view(): Promise<ReportView> {
    const packages = await this.deps.source.list();
    const [coverage, acked, sessions] = await Promise.all([this.backup.coverage(packages), this.upload.acknowledged(), this.deps.examData.sessions()]);
    const latest = coverage.latest;
    const uploadEnabled = coverage.coversCurrent && !this.backup.running;
    const rows: SessionReportView[] = [];
    for (const s of sessions) {
      const roomCount = (await this.deps.examData.roomsOfSession(s.no)).length;
      const mine = packages.filter((p) => p.sessionNo === s.no);
      const reportedRooms = new Set(mine.filter((p) => acked.has(p.sha256)).map((p) => p.roomCode)).size;
      const collectedRooms = new Set(mine.map((p) => p.roomCode)).size;
      const state = this.upload.stateOf(s.no);
      const pending = mine.some((p) => !acked.has(p.sha256));
      rows.push({
        sessionNo: s.no,
        sessionName: s.name,
        roomCount,
        collectedRooms,
        fileBytes: mine.reduce((n, p) => n + p.size, 0),
        reportedRooms,
        statusText: statusText(roomCount, reportedRooms),
        running: state.running,
        sentBytes: state.sentBytes,
        totalBytes: state.totalBytes,
        message: state.message,
        action: !pending || state.running ? null : reportedRooms > 0 || state.failed ? '续报' : '上报',
      });
    }
    return {
      backup: {
        running: this.backup.running,
        progress: this.backup.progress,
        latest: latest
          ? {
              dir: latest.dir,
              createdAt: latest.createdAt,
              verifiedAt: latest.verifiedAt,
              fileCount: (JSON.parse(latest.packagesJson) as string[]).length,
              bytes: latest.bytes,
              failure: latest.failure,
            }
          : null,
        coversCurrent: coverage.coversCurrent,
        notCovered: coverage.notCovered,
        summary: this.summary(packages, coverage.coversCurrent, coverage.notCovered, latest !== null),
      },
      uploadEnabled,
      sessions: rows,
    };
  }

  /** 第二步's 上报 / 续报 of one session; refused while no verified backup covers the data. */
  async startUpload(sessionNo: number, actor: string): Promise<void> {
    const packages = await this.deps.source.list();
    const coverage = await this.backup.coverage(packages);
    if (!coverage.coversCurrent || this.backup.running) {
      throw conflict(
        'BACKUP_REQUIRED',
        coverage.notCovered > 0 && coverage.latest
          ? `有 ${coverage.notCovered} 个结果包是在备份之后回收的，请重新执行第一步（备份到外部存储）后再上报`
          : '请先完成第一步：把回收的结果备份到外部存储设备并通过校验，再上报',
      ).needs(REPORT_BACKUP_PLACE);
    }
    const rooms = await this.deps.examData.roomsOfSession(sessionNo);
    if (rooms.length === 0) throw notFound('SESSION_UNKNOWN', `没有第 ${sessionNo} 场的考务数据`);
    const mine = packages.filter((p) => p.sessionNo === sessionNo);
    await this.upload.start(sessionNo, mine, { roomCount: rooms.length, collectedRooms: new Set(mine.map((p) => p.roomCode)).size }, actor);
  }

  private summary(packages: readonly CollectedPackage[], covers: boolean, notCovered: number, any: boolean): string {
    if (packages.length === 0) return '尚未回收任何结果包';
    const rooms = new Set(packages.map((p) => `${p.roomCode}/${p.sessionNo}`)).size;
    if (covers) return `备份已校验，包含当前全部 ${packages.length} 个结果包（${rooms} 个考场场次）`;
    if (!any) return `尚未备份：当前已回收 ${packages.length} 个结果包`;
    if (notCovered > 0) return `备份之后又回收了 ${notCovered} 个结果包，请重新执行第一步`;
    return '最近一次备份未通过校验，请重新执行第一步';
  }

  /** Coalesced: at most one push per PUBLISH_EVERY_MS while a step streams progress. */
  changed(): void {
    if (this.publishTimer) return;
    this.publishTimer = setTimeout(() => {
      this.publishTimer = null;
      if (this.deps.live.subscriberCount === 0) return;
      this.view().then(
        (v) => this.deps.live.publish(reportChangedTopic, v),
        () => undefined,
      );
    }, PUBLISH_EVERY_MS);
    this.publishTimer.unref();
  }
}
