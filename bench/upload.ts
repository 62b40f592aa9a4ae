import { fork, type ChildProcess } from 'node:child_process';
import { createReadStream, rmSync } from 'node:fs';
import net from 'node:net';
import type { BenchReport } from './bench-report';
import path from 'node:path';
import { Client } from 'basic-ftp';
import { TestClient } from '../core/testing/http-client';
import { makeTempDir } from '../core/testing/test-server';
import { ProctorClient } from '../test/sim/proctor/proctor-client';
import { uploadResultOverHttp } from '../test/sim/proctor/result-upload';
import { answerBytesFor, subjectsOfSession, writeResultPackage, type WrittenResultPackage } from '../test/sim/proctor/result-package';
import type { Bench } from './run';
import type { ServerWindow, UploadSiteReady } from './upload-sites';

const MB = 1024 * 1024;
// The issue's figures by default; smaller runs (shared machine) say so in their output.
const PROCTORS = Number(process.env.BENCH_UPLOAD_PROCTORS ?? 50);
const SIZE_MB = Number(process.env.BENCH_UPLOAD_MB ?? 100);
const TARGET_RATIO = 0.7;
const RSS_LIMIT = 300 * MB;

interface ChildMessage {
  readonly ready?: UploadSiteReady;
  readonly marked?: boolean;
  readonly window?: ServerWindow;
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

async function startServer(mode: 'sink' | 'site'): Promise<{ child: ChildProcess; ready: UploadSiteReady }> {
  // BENCH_CPU_PROF=<folder>: the server writes a V8 CPU profile there (chrome://inspect → Performance).
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child = fork(path.join(__dirname, 'upload-sites.js'), [mode, String(PROCTORS)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [...process.execArgv, ...profile] });
  const { ready } = await ask(child, {}, 'ready');
  return { child, ready: ready as UploadSiteReady };
}

/** Starts the server's timed window (its CPU time and sampled memory count from here). */
async function markServer(child: ChildProcess): Promise<void> {
  await ask(child, { mark: true }, 'marked');
}

async function stopServer(child: ChildProcess): Promise<ServerWindow> {
  const { window } = await ask(child, { peak: true }, 'window');
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.send({ stop: true });
  await exited;
  return window as ServerWindow;
}

/** A real result package of the room (signed with its proctor's key, sealed for the centre). */
async function packageFor(ready: UploadSiteReady, roomCode: string, dir: string): Promise<WrittenResultPackage> {
  const creds = ready.credentials[roomCode]!;
  const proctor = new ProctorClient(ready.siteUrl, creds);
  const room = await proctor.room();
  const subjects = subjectsOfSession(room, 1);
  return writeResultPackage(
    {
      siteCode: room.siteCode,
      mode: 'mock',
      roomCode,
      sessionNo: 1,
      registrationId: creds.registrationId,
      signingPrivateKeyPem: creds.signingPrivateKeyPem!,
      centreResultKey: room.resultEncryptionKey!,
      subjects,
      answerBytes: answerBytesFor(SIZE_MB * MB, subjects),
    },
    path.join(dir, `${roomCode}.zip`),
  );
}

async function sinkUpload(port: number, file: string): Promise<void> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.on('data', () => undefined);
    socket.once('end', () => resolve());
    createReadStream(file, { highWaterMark: MB }).pipe(socket, { end: true });
  });
}

/** 上报 over HTTP with the proctor client's own stock tus-js-client upload (file ranges, never whole in memory). */
async function httpUpload(ready: UploadSiteReady, roomCode: string, pkg: WrittenResultPackage): Promise<void> {
  const proctor = new ProctorClient(ready.siteUrl, ready.credentials[roomCode]!);
  const answer = await uploadResultOverHttp(proctor, 1, pkg.file, { sha256: pkg.sha256, retryDelays: [] });
  const body = (answer.receipt as { body?: { packageSha256?: string; via?: string } }).body;
  if (answer.duplicate || body?.packageSha256 !== pkg.sha256 || body.via !== 'http') throw new Error(`room ${roomCode}: no receipt of a new acceptance over HTTP`);
}

async function ftpUpload(ready: UploadSiteReady, roomCode: string, token: string, pkg: WrittenResultPackage): Promise<void> {
  const http = new TestClient(ready.siteUrl);
  http.token = token;
  const r = await http.post<{ fileName: string }>('/api/proctor/v1/sessions/1/results/ftp-intent', { size: pkg.size, sha256: pkg.sha256 });
  if (r.status !== 200) throw new Error(`ftp-intent ${r.status}`);
  const ftp = new Client(120_000);
  try {
    await ftp.access({ host: '127.0.0.1', port: ready.port, user: roomCode, password: token });
    await ftp.uploadFrom(createReadStream(pkg.file, { highWaterMark: MB }), r.body.fileName);
    const status = await http.get<{ state: string; message?: string }>(`/api/proctor/v1/sessions/1/results/ftp/${r.body.fileName}`);
    if (status.body.state !== 'accepted') throw new Error(`room ${roomCode}: not accepted (${status.body.state} ${status.body.message ?? ''})`);
  } finally {
    ftp.close();
  }
}

function mbps(bytes: number, ms: number): string {
  return `${((bytes / MB) / (ms / 1000)).toFixed(0)} MB/s`;
}

type Leg = 'HTTP' | 'FTP';

interface LegFigures {
  readonly ms: number;
  readonly server: ServerWindow;
}

/**
 * One protocol against a fresh product process (its peak RSS is this leg's alone): real
 * packages of that site's registrations written first (not timed), then every room at once.
 */
async function measureLeg(leg: Leg, clientDir: string): Promise<{ figures: LegFigures; packages: WrittenResultPackage[] }> {
  const site = await startServer('site');
  try {
    const rooms = Object.entries(site.ready.tokens).slice(0, PROCTORS);
    if (rooms.length < PROCTORS) throw new Error(`only ${rooms.length} rooms registered`);
    // Same names per room: the FTP leg's packages overwrite the HTTP leg's (one set on disk).
    const packages = new Map<string, WrittenResultPackage>();
    for (const [room] of rooms) packages.set(room, await packageFor(site.ready, room, clientDir));
    await markServer(site.child);
    const t = performance.now();
    await Promise.all(
      rooms.map(([room, token]) => (leg === 'HTTP' ? httpUpload(site.ready, room, packages.get(room)!) : ftpUpload(site.ready, room, token, packages.get(room)!))),
    );
    const ms = performance.now() - t;
    return { figures: { ms, server: await stopServer(site.child) }, packages: [...packages.values()] };
  } finally {
    // A failed leg must not leave the server process keeping the bench alive.
    if (site.child.exitCode === null) site.child.kill();
  }
}

/**
 * Issue 12 point 10: 50 proctors uploading 100 MB each at once, over HTTP (tus) and then
 * over FTP, each against a plain Node stream-to-disk sink of the same bytes measured in the
 * same run; the server's peak RSS.
 */
export const uploadBench: Bench = {
  summary: `${PROCTORS} 台监考机同时上传 ${SIZE_MB} MB 结果包（HTTP tus、FTP），对比普通 Node 流式写盘 / ${PROCTORS} proctors × ${SIZE_MB} MB at once`,
  async run(_args, benchReport) {
    const clientDir = makeTempDir('examsite-bench-upload-client-');
    try {
      const http = await measureLeg('HTTP', clientDir);
      const ftp = await measureLeg('FTP', clientDir);
      const total = ftp.packages.reduce((n, p) => n + p.size, 0);
      const sink = await startServer('sink');
      await markServer(sink.child);
      const t = performance.now();
      await Promise.all(ftp.packages.map((p) => sinkUpload(sink.ready.port, p.file)));
      const sinkFigures: LegFigures = { ms: performance.now() - t, server: await stopServer(sink.child) };
      report(benchReport, total, sinkFigures, { HTTP: http.figures, FTP: ftp.figures });
    } finally {
      rmSync(clientDir, { recursive: true, force: true });
    }
  },
};

const LEG_DOES: Record<Leg, string> = {
  HTTP: 'stock tus-js-client, tus PATCHes hashed and fsynced, full package verification by the real intake',
  FTP: 'declare over HTTP, STOR, hash, fsync, full package verification by the real intake',
};

function report(bench: BenchReport, total: number, sink: LegFigures, legs: Record<Leg, LegFigures>): void {
  const line = (s: string): void => void process.stdout.write(`${s}\n`);
  const mb = (bytes: number): string => `${(bytes / MB).toFixed(0)} MB`;
  line(`${PROCTORS} proctors × ${SIZE_MB} MB real result packages${PROCTORS === 50 && SIZE_MB === 100 ? '' : ' (REDUCED from the issue’s 50 × 100 MB via BENCH_UPLOAD_PROCTORS / BENCH_UPLOAD_MB)'}`);
  // CPU time does not depend on how loaded the machine is: the figure to compare changes by.
  const spent = (w: ServerWindow): string => `server CPU ${(w.cpuMs / 1000).toFixed(1)} s, sampled peaks heap ${mb(w.peakHeapUsed)} / Buffers ${mb(w.peakExternal)}`;
  line(`baseline (plain Node stream-to-disk sink, fsync per file): ${mbps(total, sink.ms)}  (${(sink.ms / 1000).toFixed(1)} s, peak RSS ${mb(sink.server.peakRss)}; ${spent(sink.server)})`);
  for (const leg of ['HTTP', 'FTP'] as const) {
    const { ms, server } = legs[leg];
    const peak = server.peakRss;
    const ratio = sink.ms / ms;
    line(`${leg} (${LEG_DOES[leg]}): ${mbps(total, ms)}  (${(ms / 1000).toFixed(1)} s, server peak RSS ${mb(peak)}; ${spent(server)})`);
    line(
      `${leg} / baseline: ${(ratio * 100).toFixed(0)} %  (target ≥ ${TARGET_RATIO * 100} %): ${bench.figure({ figure: `upload ${leg}, ${PROCTORS} × ${SIZE_MB} MB`, value: mbps(total, ms), baseline: `sink ${mbps(total, sink.ms)}`, ratio: `${(ratio * 100).toFixed(0)} %`, target: `≥ ${TARGET_RATIO * 100} %`, pass: ratio >= TARGET_RATIO })}`,
    );
    line(
      `${leg} server peak RSS ${mb(peak)} (target < ${mb(RSS_LIMIT)}): ${bench.figure({ figure: `upload ${leg}: server peak RSS`, value: mb(peak), baseline: `sink ${mb(sink.server.peakRss)}`, ratio: '-', target: `< ${mb(RSS_LIMIT)}`, pass: peak < RSS_LIMIT })}`,
    );
  }
}
