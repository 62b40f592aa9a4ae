import { fork, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import { Readable } from 'node:stream';
import { Client } from 'basic-ftp';
import { TestClient } from '../core/testing/http-client';
import type { Bench } from './run';
import type { UploadSiteReady } from './upload-sites';

const PROCTORS = 50;
const MB = 1024 * 1024;
const SIZE_MB = 100;
const TARGET_RATIO = 0.7;
const RSS_LIMIT = 300 * MB;

interface ChildMessage {
  readonly ready?: UploadSiteReady;
  readonly peak?: number;
}

function ask(child: ChildProcess, message: object, key: keyof ChildMessage): Promise<ChildMessage> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: ChildMessage): void => {
      if (m[key] === undefined) return;
      child.off('message', onMessage);
      resolve(m);
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`bench server exited (${code})`)));
    if (Object.keys(message).length) child.send(message);
  });
}

async function startServer(mode: 'sink' | 'ftp'): Promise<{ child: ChildProcess; ready: UploadSiteReady }> {
  const child = fork(path.join(__dirname, 'upload-sites.js'), [mode, String(PROCTORS)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const { ready } = await ask(child, {}, 'ready');
  return { child, ready: ready as UploadSiteReady };
}

async function stopServer(child: ChildProcess): Promise<number> {
  const { peak } = await ask(child, { peak: true }, 'peak');
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.send({ stop: true });
  await exited;
  return peak as number;
}

/** 100 MB of one random megabyte repeated: no disk read on the client side. */
function payload(block: Buffer): Readable {
  return Readable.from((function* () {
    for (let i = 0; i < SIZE_MB; i++) yield block;
  })());
}

async function sinkUpload(port: number, block: Buffer): Promise<void> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.on('data', () => undefined);
    socket.once('end', () => resolve());
    payload(block).pipe(socket, { end: true });
  });
}

async function ftpUpload(ready: UploadSiteReady, roomCode: string, token: string, block: Buffer, sha256: string): Promise<void> {
  const http = new TestClient(ready.siteUrl);
  http.token = token;
  const r = await http.post<{ fileName: string }>('/api/proctor/v1/sessions/1/results/ftp-intent', { size: SIZE_MB * MB, sha256 });
  if (r.status !== 200) throw new Error(`ftp-intent ${r.status}`);
  const ftp = new Client(120_000);
  try {
    await ftp.access({ host: '127.0.0.1', port: ready.port, user: roomCode, password: token });
    await ftp.uploadFrom(payload(block), r.body.fileName);
  } finally {
    ftp.close();
  }
}

function mbps(bytes: number, ms: number): string {
  return `${((bytes / MB) / (ms / 1000)).toFixed(0)} MB/s`;
}

/**
 * Issue 12 point 10: 50 proctors uploading 100 MB each at once, against a plain Node
 * stream-to-disk sink measured in the same run; the server's peak RSS. HTTP (tus) is
 * measured once that upload is on main; this run covers FTP.
 */
export const uploadBench: Bench = {
  summary: `${PROCTORS} 台监考机同时上传 ${SIZE_MB} MB 结果包（FTP），对比普通 Node 流式写盘 / ${PROCTORS} proctors × ${SIZE_MB} MB at once`,
  async run() {
    const block = randomBytes(MB);
    const hash = createHash('sha256');
    for (let i = 0; i < SIZE_MB; i++) hash.update(block);
    const sha256 = hash.digest('hex');
    const total = PROCTORS * SIZE_MB * MB;

    const sink = await startServer('sink');
    let t = performance.now();
    await Promise.all(Array.from({ length: PROCTORS }, () => sinkUpload(sink.ready.port, block)));
    const sinkMs = performance.now() - t;
    const sinkPeak = await stopServer(sink.child);

    const ftp = await startServer('ftp');
    const rooms = Object.entries(ftp.ready.tokens).slice(0, PROCTORS);
    if (rooms.length < PROCTORS) throw new Error(`only ${rooms.length} rooms registered`);
    t = performance.now();
    await Promise.all(rooms.map(([room, token]) => ftpUpload(ftp.ready, room, token, block, sha256)));
    const ftpMs = performance.now() - t;
    const ftpPeak = await stopServer(ftp.child);

    const ratio = sinkMs / ftpMs;
    const line = (s: string): void => void process.stdout.write(`${s}\n`);
    line(`baseline (plain Node stream-to-disk sink, fsync per file): ${mbps(total, sinkMs)}  (${(sinkMs / 1000).toFixed(1)} s, peak RSS ${(sinkPeak / MB).toFixed(0)} MB)`);
    line(`FTP (declare over HTTP, STOR, hash, fsync, intake):        ${mbps(total, ftpMs)}  (${(ftpMs / 1000).toFixed(1)} s, server peak RSS ${(ftpPeak / MB).toFixed(0)} MB)`);
    line('HTTP (tus): not measured in this run — the tus upload is not on main yet');
    line(`FTP / baseline: ${(ratio * 100).toFixed(0)} %  (target ≥ ${TARGET_RATIO * 100} %): ${ratio >= TARGET_RATIO ? 'PASS' : 'FAIL'}`);
    line(`server peak RSS ${(ftpPeak / MB).toFixed(0)} MB (target < ${RSS_LIMIT / MB} MB): ${ftpPeak < RSS_LIMIT ? 'PASS' : 'FAIL'}`);
  },
};
