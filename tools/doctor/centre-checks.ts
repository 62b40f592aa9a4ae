import type { ExamSiteConfig } from '../../core/config/config';
import type { CentreClient } from '../../core/centre/centre-client';
import { HttpCentreClient } from '../../core/centre/http-centre-client';
import { fail, pass, warn, type DoctorCheck } from './doctor-check';
import { DRIFT_WARN_MS } from './dongle-checks';

/** Short: the doctor must answer in seconds when the centre is down. */
export const CENTRE_PING_TIMEOUT_MS = 3000;

export type CentreClientFactory = (cfg: ExamSiteConfig) => CentreClient;

export const httpCentreClient: CentreClientFactory = (cfg) =>
  new HttpCentreClient({ baseUrl: cfg.centreUrl, timeoutMs: Math.min(cfg.centreTimeoutMs, CENTRE_PING_TIMEOUT_MS), trustedKeys: cfg.centreKeys, getRetries: 0 });

export function centreChecks(client: CentreClientFactory, now: () => number): DoctorCheck[] {
  return [
    {
      title: '监控平台连通',
      async run(cfg) {
        if (cfg.centreUrl === '') return warn('未配置监控平台地址（centreUrl），考点只能离线工作', '如考点联网，请在配置文件中填写 centreUrl（如 http://10.0.0.1:9300）');
        const sentAt = now();
        try {
          const reply = await client(cfg).ping();
          const driftMs = Math.round((sentAt + now()) / 2 - Date.parse(reply.time));
          const drift = `电脑时钟比平台${driftMs >= 0 ? '快' : '慢'} ${(Math.abs(driftMs) / 1000).toFixed(1)} 秒`;
          if (Math.abs(driftMs) > DRIFT_WARN_MS) return warn(`${cfg.centreUrl} 可连通（协议 ${reply.version}），但${drift}`, '请校准电脑时间，并在「机考锁校时」中在线校时');
          return pass(`${cfg.centreUrl} 可连通（协议 ${reply.version}），${drift}`);
        } catch (e) {
          return fail(`无法连接监控平台 ${cfg.centreUrl}：${(e as Error).message}`, '请检查网线与网络设置、平台地址 centreUrl 是否正确，以及防火墙是否放行该地址');
        }
      },
    },
    {
      title: '监控平台公钥',
      async run(cfg) {
        if (cfg.centreUrl === '' && cfg.centreKeys.length === 0) return warn('未配置监控平台公钥（centreKeys）', '离线校时文件与授权文件的签名无法核验：请填写平台提供的公钥 centreKeys');
        if (cfg.centreKeys.length === 0) return fail('已配置平台地址，但没有固定平台公钥（centreKeys 为空），签名应答无法核验', '请把平台提供的公钥填入配置 centreKeys（npm run centre-sim -- keys 输出同样格式）');
        return pass(`已固定 ${cfg.centreKeys.length} 个平台公钥（签名在校时与载入时核验）`);
      },
    },
  ];
}
