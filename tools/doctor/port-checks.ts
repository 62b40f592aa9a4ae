import type { ExamSiteConfig } from '../../core/config/config';
import { fail, pass, type DoctorCheck } from './doctor-check';
import { portAdvice, probePort } from './port-probe';

/** The site's LAN port (proctor PCs and the admin UI). */
export function lanPortCheck(): DoctorCheck {
  return {
    title: '局域网端口',
    async run(cfg: ExamSiteConfig) {
      const probe = await probePort(cfg.host, cfg.port);
      if (probe.free) return pass(`${cfg.host}:${cfg.port} 空闲，可供考点服务使用`);
      return fail(`${cfg.host}:${cfg.port} 无法监听（${probe.code}）`, portAdvice(cfg.port, probe.code, 'port'));
    },
  };
}

/** A port range (e.g. FTP passive ports): every port is bound briefly, the busy ones are named. */
export async function busyPortsIn(host: string, min: number, max: number): Promise<number[]> {
  const busy: number[] = [];
  for (let port = min; port <= max; port++) {
    if (!(await probePort(host, port)).free) busy.push(port);
  }
  return busy;
}
