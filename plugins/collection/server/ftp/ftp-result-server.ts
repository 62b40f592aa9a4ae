import type { AddressInfo, Server } from 'node:net';
import { FtpSrv, type FtpConnection } from 'ftp-srv';
import type { Logger } from 'pino';
import type { DurableFileStore } from '../../../../core/files/durable-file-store';
import type { DurableSink } from '../../../../core/files/durable-sink';
import { AppError } from '../../../../core/http/errors';
import type { ProctorCredentialCheck } from '../../../registration/api';
import type { FtpIntent, FtpIntents } from './ftp-intents';
import type { ResultIntakeService } from '../../api';
import { RoomFileSystem } from './room-file-system';

export interface FtpResultServerOptions {
  /** Listen address and port (0: any free port). */
  readonly host: string;
  readonly port: number;
  /** Passive data ports (the firewall opens exactly these). */
  readonly passivePorts: { readonly min: number; readonly max: number };
  /** The address put in PASV replies for proctors on the LAN. */
  readonly passiveHost: string;
  /** The site certificate, for explicit TLS (AUTH TLS, PROT P); plain FTP stays available. */
  readonly tls: { readonly keyPem: string; readonly certPem: string } | null;
  /** The collection plugin's durable files (the sinks of the uploads). */
  readonly files: DurableFileStore;
  readonly intents: FtpIntents;
  readonly credentials: ProctorCredentialCheck;
  readonly intake: ResultIntakeService;
  readonly logger: Logger;
}

const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGQUIT'] as const;
const ROOM_CODE = /^\d{8}$/;

function isRefusal(e: unknown): e is AppError {
  return e instanceof AppError && e.status < 500;
}

/** Login refusals: ftp-srv answers 530 with the message. */
class FtpLoginRefused extends Error {
  override name = 'FtpLoginRefused';
}

/**
 * FTP 上传 of result packages (issue 12 point 3, DESIGN.md's ftp-srv traps): passive mode
 * only in a configured port range (PORT and EPRT would let a client aim the site at any
 * address), a proctor logs in with its room code and its credential, sees only its own
 * folder (RoomFileSystem), and a file counts only once the intake accepts it.
 */
export class FtpResultServer {
  private ftp: FtpSrv | null = null;
  private listeningPort = 0;

  constructor(private readonly options: FtpResultServerOptions) {}

  get running(): boolean {
    return this.ftp !== null;
  }

  get port(): number {
    return this.listeningPort;
  }

  async start(): Promise<void> {
    if (this.ftp) return;
    const o = this.options;
    const before = new Map(SIGNALS.map((s) => [s, new Set(process.listeners(s))]));
    const ftp = new FtpSrv({
      url: `ftp://${o.host}:${o.port}`,
      pasv_url: o.passiveHost,
      pasv_min: o.passivePorts.min,
      pasv_max: o.passivePorts.max,
      anonymous: false,
      // ftp:// with tls: explicit TLS on the same port (AUTH TLS), issue 15 point 4.
      tls: o.tls ? { key: o.tls.keyPem, cert: o.tls.certPem, minVersion: 'TLSv1.2' } : false,
      blacklist: ['PORT', 'EPRT', 'STOU', 'RETR', 'DELE', 'RMD', 'MKD', 'RNFR', 'RNTO', 'SITE'],
      greeting: ['考点管理系统 FTP 结果包上传：用户名为考场代码，密码为监考机凭证'],
      log: o.logger,
      timeout: 120_000,
    });
    // ftp-srv exits the process on these signals; the host owns shutdown.
    for (const s of SIGNALS) for (const l of process.listeners(s)) if (!before.get(s)?.has(l)) process.removeListener(s, l);
    ftp.on('login', ({ connection, username, password }, resolve, reject) => {
      this.login(connection, username, password).then(resolve, reject);
    });
    ftp.on('client-error', ({ error }) => o.logger.debug({ err: error }, 'FTP 连接出错'));
    await ftp.listen();
    this.ftp = ftp;
    this.listeningPort = ((ftp as unknown as { server: Server }).server.address() as AddressInfo).port;
    o.logger.info({ port: this.listeningPort, passive: o.passivePorts }, `FTP 服务已启动：端口 ${this.listeningPort}`);
  }

  async stop(): Promise<void> {
    const ftp = this.ftp;
    if (!ftp) return;
    this.ftp = null;
    await ftp.close();
  }

  private async login(connection: FtpConnection, username: string, password: string): Promise<{ fs: RoomFileSystem }> {
    const roomCode = username.trim();
    if (!ROOM_CODE.test(roomCode)) throw new FtpLoginRefused('用户名应为 8 位考场代码');
    try {
      this.options.credentials.verify(roomCode, password);
    } catch (e) {
      throw new FtpLoginRefused(e instanceof AppError ? e.message : '监考机凭证无效或已被撤销，请重新注册本考场');
    }
    return {
      fs: new RoomFileSystem(connection, {
        roomCode,
        intents: this.options.intents,
        files: this.options.files,
        accept: (intent, sink) => this.accept(intent, sink),
      }),
    };
  }

  private async accept(intent: FtpIntent, sink: DurableSink): Promise<void> {
    try {
      const { receipt } = await this.options.intake.acceptFile(intent.principal.roomCode, intent.sessionNo, sink.tempPath, intent.declared, 'ftp', 'hashed-while-written');
      // The status answer carries the receipt itself (docs/formats.md 回执), as HTTP does.
      intent.state = { kind: 'accepted', receipt };
      await sink.abandon();
    } catch (e) {
      // A refused package is gone for good; any other failure keeps the verified file, so
      // the next STOR (REST at its full size) hands it to the intake again without resending.
      if (isRefusal(e)) {
        intent.state = { kind: 'refused', message: e.message };
        await sink.abandon();
      }
      throw e;
    }
  }
}
