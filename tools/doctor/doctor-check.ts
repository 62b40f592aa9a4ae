import type { ExamSiteConfig } from '../../core/config/config';

/** 通过 / 警告 / 失败: a warning does not fail the doctor, a failure does. */
export type CheckMark = 'pass' | 'warn' | 'fail';

export const MARK_TEXT: Record<CheckMark, string> = { pass: '通过', warn: '警告', fail: '失败' };

export interface CheckResult {
  readonly mark: CheckMark;
  /** What was found, in Chinese. */
  readonly detail: string;
  /** What the technician should do (empty when nothing). */
  readonly advice?: string;
}

/** One check, with the configuration already loaded and validated. */
export interface DoctorCheck {
  readonly title: string;
  run(cfg: ExamSiteConfig): Promise<CheckResult>;
}

/**
 * Checks a stage plugin contributes: `plugins/<id>/api/doctor-checks.ts` exports
 * `doctorChecks(cfg)` (it reads its own section with readPluginConfig).
 */
export interface PluginDoctorModule {
  doctorChecks(cfg: ExamSiteConfig): DoctorCheck[];
}

export const pass = (detail: string): CheckResult => ({ mark: 'pass', detail });
export const warn = (detail: string, advice: string): CheckResult => ({ mark: 'warn', detail, advice });
export const fail = (detail: string, advice: string): CheckResult => ({ mark: 'fail', detail, advice });
