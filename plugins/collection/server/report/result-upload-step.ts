import type { AuditLog } from '../../../../core/auth/audit';
import { CentreError, type CentreClient } from '../../../../core/centre';
import { conflict } from '../../../../core/http/errors';
import type { SiteSettings } from '../../../../core/settings/site-settings';
import type { Store } from '../../../../core/store/store';
import type { CollectedPackage } from './collected-results';
import { ResultReportAckRow } from './report-rows';

/** Where one session's upload stands (in memory; what is acknowledged is in the database). */
export interface SessionUploadState {
  readonly running: boolean;
  readonly sentBytes: number;
  readonly totalBytes: number;
  /** Set after a run: what happened, in the manual's words. */
  readonly message: string;
  readonly failed: boolean;
}

const IDLE: SessionUploadState = { running: false, sentBytes: 0, totalBytes: 0, message: '', failed: false };

/** Stable per package, so 续报 continues the centre's copy instead of starting another. */
export function resultUploadId(siteCode: string, mode: string, p: CollectedPackage): string {
  return `${siteCode}-${mode}-${p.roomCode}-s${p.sessionNo}-${p.sha256.slice(0, 16)}`;
}

export function uploadDoneMessage(roomCount: number, collectedRooms: number): string {
  const missing = roomCount - collectedRooms;
  return missing > 0 ? `已回收文件上报完成，还有${missing}个考场未回收文件!` : '本场次全部考场的结果文件已上报完成';
}

/**
 * 考后上报 第二步 (R8.5): uploads a session's collected packages to the centre, one after the
 * other, each resumable (the centre keeps what it got under a stable upload id). A package
 * counts as 已上报 only once the centre acknowledged it complete with the same SHA-256.
 */
export class ResultUploadStep {
  private readonly states = new Map<number, SessionUploadState>();
  private readonly jobs = new Map<number, Promise<void>>();

  constructor(
    private readonly deps: {
      readonly store: Store;
      readonly settings: SiteSettings;
      readonly audit: AuditLog;
      readonly centre: CentreClient;
      readonly changed: () => void;
    },
  ) {}

  stateOf(sessionNo: number): SessionUploadState {
    return this.states.get(sessionNo) ?? IDLE;
  }

  whenDone(sessionNo: number): Promise<void> {
    return this.jobs.get(sessionNo) ?? Promise.resolve();
  }

  async acknowledged(): Promise<Set<string>> {
    return new Set((await this.deps.store.manager.find(ResultReportAckRow)).map((r) => r.packageSha256));
  }

  /** Starts 上报 / 续报 of one session's packages not yet acknowledged. */
  async start(sessionNo: number, packages: readonly CollectedPackage[], rooms: { roomCount: number; collectedRooms: number }, actor: string): Promise<void> {
    if (this.jobs.has(sessionNo)) throw conflict('REPORT_RUNNING', `第 ${sessionNo} 场正在上报，请等待完成`);
    const { siteCode, mode } = this.deps.settings.get();
    if (!siteCode) throw conflict('SITE_CODE_MISSING', '请先在“系统设置”中填写考点代码');
    if (!this.deps.centre.configured) throw conflict('CENTRE_NOT_CONFIGURED', '本考点未设置监控平台地址，无法上报；请联系技术人员在考点服务器数据目录的配置文件 examsite.config.json 中填写监控平台地址，重新启动后再上报');
    const acked = await this.acknowledged();
    const pending = packages.filter((p) => !acked.has(p.sha256));
    if (pending.length === 0) throw conflict('NOTHING_TO_REPORT', `第 ${sessionNo} 场已回收的文件都已上报`);
    const job = this.run(sessionNo, siteCode, mode, pending, rooms, actor).finally(() => {
      this.jobs.delete(sessionNo);
      this.deps.changed();
    });
    this.jobs.set(sessionNo, job);
  }

  private async run(
    sessionNo: number,
    siteCode: string,
    mode: 'formal' | 'mock',
    pending: readonly CollectedPackage[],
    rooms: { roomCount: number; collectedRooms: number },
    actor: string,
  ): Promise<void> {
    const totalBytes = pending.reduce((n, p) => n + p.size, 0);
    let doneBytes = 0;
    const set = (s: Partial<SessionUploadState>): void => {
      this.states.set(sessionNo, { ...this.stateOf(sessionNo), ...s });
      this.deps.changed();
    };
    set({ running: true, sentBytes: 0, totalBytes, message: '正在上报…', failed: false });
    try {
      for (const p of pending) {
        const uploadId = resultUploadId(siteCode, mode, p);
        const reply = await this.deps.centre.uploadFile({
          uploadId,
          filePath: p.file,
          sha256: p.sha256,
          metadata: { siteCode, mode, kind: 'session-results', fileName: `${p.roomCode}_S${p.sessionNo}.zip`, sessionNo: p.sessionNo, roomCode: p.roomCode },
          onProgress: (progress) => set({ sentBytes: doneBytes + progress.sent }),
        });
        if (reply.sha256 !== p.sha256) throw new CentreError('CENTRE_BAD_REPLY', '监控平台确认的校验值与结果包不一致');
        // The acknowledgement and its audit line: one unit of work.
        await this.deps.store.write(async (em) => {
          await em.save(Object.assign(new ResultReportAckRow(), { packageSha256: p.sha256, roomCode: p.roomCode, sessionNo: p.sessionNo, uploadId, receivedAt: reply.receivedAt }));
          await this.deps.audit.record(actor, 'collection.report.acknowledged', { sessionNo, roomCode: p.roomCode, uploadId, resumedFrom: reply.resumedFrom });
        });
        doneBytes += p.size;
        set({ sentBytes: doneBytes });
      }
      set({ running: false, message: uploadDoneMessage(rooms.roomCount, rooms.collectedRooms) });
    } catch (e) {
      const reason = e instanceof CentreError ? e.message : '上报时出错';
      set({ running: false, failed: true, message: `上报中断：${reason}；已确认的文件不会重传，请稍后点击续报` });
      await this.deps.audit.record(actor, 'collection.report.failed', { sessionNo, reason });
    }
  }
}
