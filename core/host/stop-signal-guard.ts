import type { HostControl } from '../lifecycle/host-control';

export interface StopSignalLogger {
  warn(obj: object, message: string): void;
  error(obj: object, message: string): void;
}

/** How long a second stop signal counts as "yes, really" after a refused first one. */
export const SECOND_SIGNAL_WINDOW_MS = 5_000;

/**
 * R9.5: a stop signal while stopping would harm the exam (results not reported yet) is
 * refused once, loudly; a second one within a few seconds stops anyway (the operator
 * insists, e.g. the PC is being shut down).
 */
export class StopSignalGuard {
  private refusedAt: number | null = null;

  constructor(
    private readonly control: HostControl,
    private readonly logger: StopSignalLogger,
    private readonly now: () => number,
    /** Shows the warning to the administrator too (a live event the web shows loudly). */
    private readonly onRefused: (message: string) => void,
  ) {}

  async mayStop(signal: string): Promise<boolean> {
    let reasons: readonly string[];
    try {
      reasons = await this.control.stopBlockers();
    } catch (err) {
      this.logger.error({ err }, '无法判断现在能否安全关闭，按不能关闭处理');
      reasons = ['无法确认考试数据是否已上报'];
    }
    if (reasons.length === 0) return true;
    const at = this.now();
    if (this.refusedAt !== null && at - this.refusedAt <= SECOND_SIGNAL_WINDOW_MS) {
      this.logger.error({ signal, reasons }, '！！！再次收到停止信号：在考试数据上报前强行关闭考点管理系统！！！');
      return true;
    }
    this.refusedAt = at;
    const message = `正式考试期间数据尚未全部上报，现在关闭将导致考场无法正常考试（${reasons.join('；')}）。如确需关闭，请在 ${SECOND_SIGNAL_WINDOW_MS / 1000} 秒内再次发送停止信号（再按一次 Ctrl+C）`;
    this.logger.error({ signal, reasons, windowMs: SECOND_SIGNAL_WINDOW_MS }, `！！！警告：${message}！！！`);
    this.onRefused(message);
    return false;
  }
}
