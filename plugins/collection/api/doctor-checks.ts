import { ConfigError, type ExamSiteConfig } from '../../../core/config/config';
import { readPluginConfig } from '../../../core/config/plugin-config';
import { fail, pass, type CheckResult, type DoctorCheck } from '../../../tools/doctor/doctor-check';
import { busyPortsIn } from '../../../tools/doctor/port-checks';
import { portAdvice, probePort } from '../../../tools/doctor/port-probe';
import { ftpConfigSchema, type FtpConfig } from '../server/ftp/ftp-config';

/** The collection stage's contribution to `npm run doctor` (ADR 010): the FTP ports. */
export function doctorChecks(cfg: ExamSiteConfig): DoctorCheck[] {
  let ftp: FtpConfig;
  try {
    ftp = readPluginConfig(cfg, 'collection', ftpConfigSchema);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const refused = fail(e.message, '请改正 plugins.collection 中指出的设置项后重新运行 npm run doctor');
    return [{ title: 'FTP 配置', run: async () => refused }];
  }
  return [
    { title: 'FTP 端口', run: () => ftpPortCheck(cfg, ftp) },
    { title: 'FTP 被动端口范围', run: () => passiveRangeCheck(cfg, ftp) },
  ];
}

async function ftpPortCheck(cfg: ExamSiteConfig, ftp: FtpConfig): Promise<CheckResult> {
  if (ftp.ftpPort === 0) return pass('FTP 端口为 0（由系统分配），无需检查');
  const probe = await probePort(cfg.host, ftp.ftpPort);
  if (probe.free) return pass(`${cfg.host}:${ftp.ftpPort} 空闲，可供 FTP 上传使用`);
  return fail(`${cfg.host}:${ftp.ftpPort} 无法监听（${probe.code}）`, portAdvice(ftp.ftpPort, probe.code, 'plugins.collection.ftpPort'));
}

async function passiveRangeCheck(cfg: ExamSiteConfig, ftp: FtpConfig): Promise<CheckResult> {
  const { min, max } = ftp.ftpPassivePorts;
  const busy = await busyPortsIn(cfg.host, min, max);
  const range = `${min}–${max}（共 ${max - min + 1} 个）`;
  if (busy.length === 0) return pass(`被动端口 ${range} 全部空闲；防火墙需放行这些端口和 FTP 端口 ${ftp.ftpPort}`);
  const shown = busy.slice(0, 10).join('、') + (busy.length > 10 ? ` 等 ${busy.length} 个` : '');
  return fail(
    `被动端口 ${range} 中已被占用：${shown}`,
    `请关闭占用这些端口的程序，或在配置文件中把 plugins.collection.ftpPassivePorts 改为空闲的范围（并同步修改防火墙）`,
  );
}
