import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import { Readable } from 'node:stream';
import { Client } from 'basic-ftp';
import { TestClient } from '../../../core/testing/http-client';
import type { TestServer } from '../../../core/testing/test-server';
import { answerBytesFor, subjectsOfSession } from '../../sim/proctor/result-package';
import type { ProctorClient } from '../../sim/proctor/proctor-client';
import { CollectedResultRow } from '../../../plugins/collection/server/result-rows';
import { startCollectionSite, type CollectionSite } from './collection-harness';

export interface AcceptedFile {
  readonly roomCode: string;
  readonly sessionNo: number;
  readonly sha256: string;
  readonly size: number;
}

export interface FtpSite {
  readonly server: TestServer;
  readonly admin: TestClient;
  readonly collection: CollectionSite;
  readonly ftpPort: number;
  /** roomCode → proctor credential token. */
  readonly tokens: Map<string, string>;
  readonly rooms: string[];
  /** The registered proctor client of the room (it holds the signing key). */
  proctor(roomCode: string): ProctorClient;
  /** The bytes of a valid result package of the room and session, about `approxBytes` long. */
  packageBytes(roomCode: string, sessionNo: number, approxBytes: number): Promise<Buffer>;
  /** What the real ResultIntake stored (collection_result rows). */
  accepted(): Promise<AcceptedFile[]>;
  stop(): Promise<void>;
}

/**
 * A loaded site with the real collection plugin (its FTP server and ResultIntake), every
 * room registered by a proctor client holding its signing key.
 */
export async function startFtpSite(options: { dataDir?: string; rooms?: number } = {}): Promise<FtpSite> {
  const collection = await startCollectionSite(options);
  try {
    const server = collection.site.server;
    const rooms = [...(await collection.site.codes()).keys()];
    const proctors = new Map<string, ProctorClient>();
    for (const room of rooms) proctors.set(room, await collection.proctor(room));
    const tokens = new Map([...proctors].map(([room, p]) => [room, p.credentials!.token]));
    const probe = new TestClient(server.url);
    probe.token = tokens.get(rooms[0]!)!;
    // The FTP port, as a proctor learns it: from the answer to an upload declaration.
    const declared = await probe.post<{ ftpPort: number }>('/api/proctor/v1/sessions/1/results/ftp-intent', { size: 1, sha256: sha256Of(Buffer.from('port probe')) });
    if (declared.status !== 200) throw new Error(`ftp-intent: ${declared.status}`);
    let n = 0;
    return {
      server,
      admin: collection.site.admin,
      collection,
      ftpPort: declared.body.ftpPort,
      tokens,
      rooms,
      proctor: (roomCode) => proctors.get(roomCode)!,
      async packageBytes(roomCode, sessionNo, approxBytes) {
        const proctor = proctors.get(roomCode)!;
        const subjects = subjectsOfSession(await proctor.room(), sessionNo);
        const pkg = await collection.writePackage(proctor, sessionNo, { answerBytes: answerBytesFor(approxBytes, subjects), name: `ftp-${++n}.zip` });
        return fs.promises.readFile(pkg.file);
      },
      async accepted() {
        return (await server.store.manager.find(CollectedResultRow, { order: { acceptedAt: 'ASC' } })).map((r) => ({
          roomCode: r.roomCode,
          sessionNo: r.sessionNo,
          sha256: r.packageSha256,
          size: r.packageSize,
        }));
      },
      stop: () => collection.stop(),
    };
  } catch (e) {
    await collection.stop();
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
