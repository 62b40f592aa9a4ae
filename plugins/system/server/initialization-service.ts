import type { AuditLog } from '../../../core/auth/audit';
import { badRequest, conflict } from '../../../core/http/errors';
import type { DataParticipants } from '../../../core/lifecycle/data-participants';
import type { SiteSettings } from '../../../core/settings/site-settings';
import type { UnreportedData } from './unreported-data';

/** Typed as the last confirmation when no site code is set yet. */
export const INIT_CONFIRM_WORD = '初始化';

/**
 * 系统初始化 (R9.3, manual §6.3): clears the site code, exam data, authorizations,
 * registrations and collected results through every plugin's data participant in one unit
 * of work; the password stays. Refused in a formal exam while anything is unreported.
 */
export class InitializationService {
  constructor(
    private readonly participants: DataParticipants,
    private readonly unreported: UnreportedData,
    private readonly settings: SiteSettings,
    private readonly audit: AuditLog,
  ) {}

  /** `confirmation` is what the administrator typed in the last confirmation: the site code. */
  async initialize(actor: string, confirmation: string): Promise<void> {
    const { siteCode, mode } = this.settings.get();
    const expected = siteCode ?? INIT_CONFIRM_WORD;
    if (confirmation.trim() !== expected) {
      throw badRequest(
        'INIT_CONFIRMATION_MISMATCH',
        siteCode ? `输入的考点代码与本考点代码 ${siteCode} 不一致，未执行初始化；请输入本考点代码确认` : `请输入“${INIT_CONFIRM_WORD}”确认，未执行初始化`,
      );
    }
    const blockers = await this.unreported.blockers();
    if (blockers.length > 0) {
      throw conflict('INIT_BLOCKED_UNREPORTED', `正式考试期间，数据未全部上报前不能初始化：${blockers.join('；')}。请先完成上报并等待监控平台确认`);
    }
    // The audit line commits with the clear (one unit of work).
    await this.participants.clearAll(actor, { inside: () => this.audit.record(actor, 'system.initialized', { siteCode, mode }) });
  }
}
