import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import { Readable } from 'node:stream';
import { Client } from 'basic-ftp';
import { definePlugin, type PluginDefinition } from '../../../core/kernel/plugin';
import { coreServices } from '../../../core/services';
import { TestClient } from '../../../core/testing/http-client';
import { startTestServer, type TestServer } from '../../../core/testing/test-server';
import { plugin as loadPlugin } from '../../load/server/plugin';
import { proctorApiRef, proctorCredentialsRef } from '../../registration/api';
import { createRegistrationPlugin } from '../../registration/server/plugin';
import { buildPackage, newCentreKey, table } from '../../registration/test/site-harness';
import { ftpConfigSchema } from '../server/ftp/ftp-config';
import { FtpStatusItem, startFtpIntake } from '../server/ftp/ftp-intake';
import { statusItemsPoint } from '../../../core/http/status-items';
import type { FtpResultServer } from '../server/ftp/ftp-result-server';
import type { DeclaredFile, ResultFileAcceptor } from '../server/ftp/result-acceptor';

export interface AcceptedFile {
  readonly roomCode: string;
  readonly sessionNo: number;
  readonly sha256: string;
  readonly size: number;
}

/** Stands in for ResultIntake in the FTP tests and bench: re-hashes what it is handed (streaming) and records it. */
export class RecordingAcceptor implements ResultFileAcceptor<{ packageSha256: string }> {
  readonly accepted: AcceptedFile[] = [];

  async acceptFile(roomCode: string, sessionNo: number, filePath: string, declared: DeclaredFile): Promise<{ packageSha256: string }> {
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of fs.createReadStream(filePath, { highWaterMark: 1024 * 1024 })) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
    const sha256 = hash.digest('hex');
    if (sha256 !== declared.sha256 || size !== declared.size) throw new Error('intake handed a file that does not match its declaration');
    this.accepted.push({ roomCode, sessionNo, sha256, size });
    return { packageSha256: sha256 };
  }
}

export interface FtpSite {
  readonly server: TestServer;
  readonly admin: TestClient;
  readonly acceptor: RecordingAcceptor;
  readonly ftpPort: number;
  /** roomCode → proctor credential token. */
  readonly tokens: Map<string, string>;
  readonly rooms: string[];
  stop(): Promise<void>;
}

function ftpTestPlugin(acceptor: RecordingAcceptor, onServer: (s: FtpResultServer) => void): PluginDefinition {
  return definePlugin({
    manifest: { id: 'collection', version: '1.0.0', host: '^0.1.0', displayName: '数据回收', stage: 'collection' },
    register(env) {
      const statusItem = new FtpStatusItem();
      env.extend(statusItemsPoint, statusItem);
      env.registerInit({
        deps: {
          config: coreServices.config,
          logger: coreServices.logger,
          files: coreServices.files,
          status: coreServices.status,
          lifecycle: coreServices.lifecycle,
          proctorApi: proctorApiRef,
          credentials: proctorCredentialsRef,
          pluginConfig: coreServices.pluginConfig,
        },
        async init(deps) {
          onServer(await startFtpIntake({ ...deps, ftp: deps.pluginConfig.read(ftpConfigSchema), intake: acceptor, statusItem }));
        },
      });
    },
  });
}

/** A loaded site with every room registered and the FTP intake running. */
export async function startFtpSite(options: { dataDir?: string; rooms?: number } = {}): Promise<FtpSite> {
  const key = newCentreKey();
  const pkg = await buildPackage(key, options.rooms ? { rooms: options.rooms } : {});
  const acceptor = new RecordingAcceptor();
  let ftp: FtpResultServer | null = null;
  const server = await startTestServer({
    dataDir: options.dataDir,
    plugins: [loadPlugin, createRegistrationPlugin(), ftpTestPlugin(acceptor, (s) => (ftp = s))],
    config: { centreKeys: [key.publicKey], plugins: { collection: { ftpPort: 0, ftpPassivePorts: { min: 40100, max: 40199 } } } },
  });
  try {
    const admin = new TestClient(server.url);
    await admin.login();
    await admin.put('/api/settings', { siteCode: '11003', mode: 'mock' });
    const imported = await admin.post('/api/load/import', pkg.bytes, { 'content-type': 'application/zip' });
    if (imported.status !== 200) throw new Error(`import: ${imported.status}`);
    const tokens = new Map<string, string>();
    const rows = (await table({ admin })).rooms;
    for (const [i, row] of rows.entries()) {
      const r = await new TestClient(server.url).post<{ token: string }>('/api/proctor/v1/register', {
        roomCode: row.roomCode,
        registrationCode: row.registrationCode,
        machineId: `pc-${i}`,
        clientVersion: '1.0.0',
      });
      if (r.status !== 200) throw new Error(`register: ${r.status}`);
      tokens.set(row.roomCode, r.body.token);
    }
    const running = ftp as FtpResultServer | null;
    if (!running) throw new Error('FTP server not started');
    return { server, admin, acceptor, ftpPort: running.port, tokens, rooms: rows.map((r) => r.roomCode), stop: () => server.stop() };
  } catch (e) {
    await server.stop();
    throw e;
  }
}

export function proctorClient(site: FtpSite, roomCode: string): TestClient {
  const c = new TestClient(site.server.url);
  c.token = site.tokens.get(roomCode) ?? null;
  return c;
}

export async function ftpLogin(site: FtpSite, user: string, password: string): Promise<Client> {
  const client = new Client(10_000);
  await client.access({ host: '127.0.0.1', port: site.ftpPort, user, password });
  return client;
}

export function sha256Of(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function streamOf(bytes: Buffer): Readable {
  return Readable.from([bytes]);
}

export interface DeclaredUpload {
  readonly fileName: string;
  readonly offset: number;
  readonly state: string;
  readonly ftpPort: number;
  readonly message?: string;
  readonly receipt?: unknown;
}

export async function declare(site: FtpSite, roomCode: string, sessionNo: number, bytes: Buffer): Promise<DeclaredUpload> {
  const r = await proctorClient(site, roomCode).post<DeclaredUpload>(`/api/proctor/v1/sessions/${sessionNo}/results/ftp-intent`, {
    size: bytes.length,
    sha256: sha256Of(bytes),
  });
  if (r.status !== 200) throw new Error(`ftp-intent: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/**
 * One command over a bare control connection, for bytes basic-ftp refuses to send (NUL):
 * logs in, sends `command` and resolves with the server's reply line to it.
 */
export async function rawFtpReply(site: FtpSite, user: string, password: string, command: string): Promise<string> {
  const socket = net.connect(site.ftpPort, '127.0.0.1');
  const lines: string[] = [];
  let buffered = '';
  const waiters: (() => void)[] = [];
  socket.on('data', (d: Buffer) => {
    buffered += d.toString('utf8');
    const parts = buffered.split('\r\n');
    buffered = parts.pop() ?? '';
    lines.push(...parts.filter((l) => /^\d{3} /.test(l)));
    waiters.splice(0).forEach((w) => w());
  });
  const nextReply = async (): Promise<string> => {
    while (lines.length === 0) await new Promise<void>((resolve) => waiters.push(resolve));
    return lines.shift() as string;
  };
  try {
    await nextReply();
    socket.write(`USER ${user}\r\n`);
    await nextReply();
    socket.write(`PASS ${password}\r\n`);
    const login = await nextReply();
    if (!login.startsWith('230')) throw new Error(`login: ${login}`);
    socket.write(`${command}\r\n`);
    return await nextReply();
  } finally {
    socket.destroy();
  }
}
