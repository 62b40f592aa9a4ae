import type { ExamSiteConfigInput } from '../../core/config/config';
import { CONFIG_CHECK_TITLE, checkConfig } from './config-check';
import { centreChecks, httpCentreClient, type CentreClientFactory } from './centre-checks';
import { dataDirWritableCheck, diskSpaceCheck, DEFAULT_DISK_THRESHOLDS, type DiskThresholds } from './data-dir-checks';
import { MARK_TEXT, fail, type CheckResult, type DoctorCheck } from './doctor-check';
import { dongleChecks, type DongleDoctorDeps } from './dongle-checks';
import { lanPortCheck } from './port-checks';
import { stageChecks } from './stage-checks';

export interface DoctorOptions {
  readonly env: NodeJS.ProcessEnv;
  /** Settings as start arguments would give them (tests). */
  readonly overrides?: Partial<ExamSiteConfigInput>;
  readonly dongle: DongleDoctorDeps;
  readonly centre?: CentreClientFactory;
  readonly disk?: DiskThresholds;
  /** Where built plugins are looked for contributed checks. */
  readonly pluginsDir?: string;
  readonly print: (line: string) => void;
}

export interface DoctorLine extends CheckResult {
  readonly title: string;
}

export interface DoctorReport {
  readonly lines: DoctorLine[];
  /** 0 when nothing failed (warnings allowed), else 1. */
  readonly exitCode: 0 | 1;
}

/** Runs every check in turn, printing each as it completes. Starts nothing, writes nothing. */
export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const lines: DoctorLine[] = [];
  const record = (title: string, result: CheckResult): void => {
    lines.push({ title, ...result });
    options.print(formatLine(title, result));
  };
  options.print('考点环境检查（npm run doctor）');
  const { result, cfg } = checkConfig(options.env, options.overrides ?? {});
  record(CONFIG_CHECK_TITLE, result);
  if (cfg) {
    const checks: DoctorCheck[] = [
      ...dongleChecks(options.dongle),
      lanPortCheck(),
      ...stageChecks(cfg, options.pluginsDir),
      diskSpaceCheck(options.disk ?? DEFAULT_DISK_THRESHOLDS),
      dataDirWritableCheck(),
      ...centreChecks(options.centre ?? httpCentreClient, options.dongle.now),
    ];
    for (const check of checks) {
      // A check that breaks is a failed check with its reason, never a stack trace.
      const outcome = await check.run(cfg).catch((e: unknown) => fail(`检查出错：${e instanceof Error ? e.message : String(e)}`, '请把此输出发给技术支持'));
      record(check.title, outcome);
    }
  } else {
    options.print('      其余检查需要有效的配置，已跳过');
  }
  const failed = lines.filter((l) => l.mark === 'fail').length;
  const warned = lines.filter((l) => l.mark === 'warn').length;
  options.print(`结果：${lines.length} 项检查，失败 ${failed} 项，警告 ${warned} 项${failed > 0 ? '。请按提示处理失败项后重新运行' : warned > 0 ? '。没有失败项；请在正式考试前处理警告项' : '。全部通过'}`);
  return { lines, exitCode: failed > 0 ? 1 : 0 };
}

export function formatLine(title: string, result: CheckResult): string {
  const head = `[${MARK_TEXT[result.mark]}] ${title}：${result.detail}`;
  return result.advice ? `${head}\n      处理：${result.advice}` : head;
}
