import type { Logger } from 'pino';
import type { ExamSiteConfig } from '../../../../core/config/config';
import type { StatusService } from '../../../../core/http/status';
import { runState, type StatusItem, type StatusItemState } from '../../../../core/http/status-items';
import type { Lifecycle, PluginFiles } from '../../../../core/services';
import type { SiteCertificate } from '../../../../core/net/site-certificate';
import type { ProctorApi, ProctorCredentialCheck } from '../../../registration/api';
import type { FtpConfig } from './ftp-config';
import { siteLanHost } from '../../../../core/net/site-address';
import { FtpIntents } from './ftp-intents';
import { mountFtpIntentRoutes } from './ftp-intent-routes';
import { FtpResultServer } from './ftp-result-server';
import type { ResultIntakeService } from '../../api';

/** The status bar's FTP服务 运行/停止 (contributed to statusItemsPoint at register time). */
export class FtpStatusItem implements StatusItem {
  readonly id = 'collection.ftp';
  readonly label = 'FTP服务';
  readonly order = 10;
  running = false;
  /** `ftp://<address proctors use>:<port>` while running. */
  address: string | null = null;

  state(): StatusItemState {
    const state = runState(this.running);
    return this.running && this.address ? { ...state, address: this.address } : state;
  }
}

export interface FtpIntakeDeps {
  readonly config: ExamSiteConfig;
  readonly ftp: FtpConfig;
  /** Offered for explicit TLS (AUTH TLS), the certificate HTTPS shows. */
  readonly certificate: SiteCertificate;
  readonly logger: Logger;
  readonly files: PluginFiles;
  readonly status: StatusService;
  readonly lifecycle: Lifecycle;
  readonly proctorApi: ProctorApi;
  readonly credentials: ProctorCredentialCheck;
  readonly intake: ResultIntakeService;
  readonly statusItem: FtpStatusItem;
}

/** The address proctors are told to open passive data connections to. */
function passiveHostOf(config: ExamSiteConfig): string {
  if (config.publicHost) return config.publicHost;
  return config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
}

/**
 * FTP 上传 (issue 12 point 3), started with the product from the collection plugin's init:
 * the declaration routes, the server, the status bar item and its shutdown. A port that
 * cannot be opened leaves the item at 停止 and the rest of the site running.
 */
export async function startFtpIntake(deps: FtpIntakeDeps): Promise<FtpResultServer> {
  const { config, ftp, logger, files, status, lifecycle } = deps;
  const intents = new FtpIntents();
  const setRunning = (running: boolean): void => {
    deps.statusItem.running = running;
    void status.publish();
  };
  const server = new FtpResultServer({
    host: config.host,
    port: ftp.ftpPort,
    passivePorts: ftp.ftpPassivePorts,
    passiveHost: passiveHostOf(config),
    tls: deps.certificate,
    files,
    intents,
    credentials: deps.credentials,
    intake: deps.intake,
    logger: logger.child({ part: 'ftp' }),
  });
  mountFtpIntentRoutes(deps.proctorApi, { intents, files, ftpPort: () => server.port });
  try {
    await server.start();
    deps.statusItem.address = `ftp://${siteLanHost(config.publicHost, passiveHostOf(config))}:${server.port}`;
    setRunning(true);
  } catch (e) {
    logger.error({ err: e, port: ftp.ftpPort }, `FTP 服务未能启动（端口 ${ftp.ftpPort}），监考机仍可通过 HTTP 上传`);
    setRunning(false);
  }
  lifecycle.onShutdown(async () => {
    await server.stop();
    setRunning(false);
  });
  return server;
}
