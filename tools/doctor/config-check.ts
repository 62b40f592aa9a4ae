import { ConfigError, loadConfig, type ExamSiteConfig, type ExamSiteConfigInput } from '../../core/config/config';
import { fail, pass, type CheckResult } from './doctor-check';

export const CONFIG_CHECK_TITLE = '配置有效';

/** loadConfig as the product runs it; a refusal is a failed check, not a stack trace. */
export function checkConfig(env: NodeJS.ProcessEnv, overrides: Partial<ExamSiteConfigInput>): { result: CheckResult; cfg: ExamSiteConfig | null } {
  try {
    const cfg = loadConfig(env, overrides);
    return { result: pass(`配置可读取，数据目录 ${cfg.dataDir}，端口 ${cfg.port}`), cfg };
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return { result: fail(e.message, '请按上面指出的设置项改正配置文件或环境变量，然后重新运行 npm run doctor'), cfg: null };
  }
}
