import fs from 'node:fs';
import path from 'node:path';
import type { ExamSiteConfig } from '../../core/config/config';
import { warn, type DoctorCheck, type PluginDoctorModule } from './doctor-check';

/** Where built plugins live, next to this tool in dist/. */
export const BUILT_PLUGINS_DIR = path.resolve(__dirname, '../../plugins');

const CONTRIBUTION = path.join('api', 'doctor-checks.js');

/**
 * Checks stage plugins contribute through `plugins/<id>/api/doctor-checks.ts`. Core names no
 * stage; this tool may: the FTP check of the collection plugin is expected, and its absence
 * is reported rather than silently skipped.
 */
export function stageChecks(cfg: ExamSiteConfig, pluginsDir: string = BUILT_PLUGINS_DIR): DoctorCheck[] {
  const ids = fs.existsSync(pluginsDir) ? fs.readdirSync(pluginsDir).filter((id) => fs.existsSync(path.join(pluginsDir, id, CONTRIBUTION))) : [];
  const checks = ids.flatMap((id) => (require(path.join(pluginsDir, id, CONTRIBUTION)) as PluginDoctorModule).doctorChecks(cfg));
  if (!ids.includes('collection')) checks.push(missingFtpCheck(pluginsDir));
  return checks;
}

function missingFtpCheck(pluginsDir: string): DoctorCheck {
  return {
    title: 'FTP 端口与被动端口范围',
    async run(cfg) {
      const installed = fs.existsSync(path.join(pluginsDir, 'collection'));
      const section = cfg.plugins.collection;
      const configured = section ? `；配置文件中已有 plugins.collection（${Object.keys(section).join('、')}），但没有插件读取它` : '';
      return warn(
        (installed ? '采集插件（collection）没有提供 FTP 检查' : '本版本未安装采集插件（plugins/collection），FTP 配置 plugins.collection.* 不存在') + configured,
        '未检查 FTP 端口与被动端口范围：装入含 FTP 采集的版本后重新运行 npm run doctor',
      );
    },
  };
}
