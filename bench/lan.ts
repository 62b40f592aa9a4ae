import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { generateSigningKeyPair } from '../core/crypto';
import { TestClient } from '../core/testing/http-client';
import { freePort } from '../core/testing/free-port';
import { makeTempDir } from '../core/testing/test-server';
import { ProductProcess } from '../test/integration/product-process';
import { buildSitePackage, defaultSessions } from '../test/sim/centre/package-builder';
import type { BuiltPackage, CentreSigningKey } from '../test/sim/centre/sim-types';
import { ProctorClient } from '../test/sim/proctor/proctor-client';
import type { LoadJob, LoadProctor, LoadResult } from './lan-load-worker';
import type { Bench } from './run';

const REPO = path.resolve(__dirname, '../..');
const HEARTBEAT_PATH = '/api/proctor/v1/monitor/heartbeat';
const TARGET_P99_MS = 50;
const TARGET_RATIO = 0.7;
const TARGET_PAGE_P99_MS = 1000;
/** Candidates per room of the site's data: 1,000 × 12 × 4 sessions = the 48,000 rows of the 200 × 60 × 4 load bench. */
const CANDIDATES = 12;
const SESSIONS = 4;
const MAX_ROOMS = 999;

interface LanOptions {
  readonly seconds: number;
  readonly proctors: number;
  readonly pages: number;
  readonly throughputSeconds: number;
  /** Folder for the product's CPU profile (node --cpu-prof), null: no profile. */
  readonly cpuProfileDir: string | null;
  /** --throughput-only: only the closed-loop comparison (a profile of the heartbeat path alone). */
  readonly throughputOnly: boolean;
}

function parseOptions(args: readonly string[]): LanOptions {
  const value = (name: string, fallback: number): number => {
    const i = args.indexOf(`--${name}`);
    if (i < 0) return fallback;
    const n = Number(args[i + 1]);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} 应为正数`);
    return n;
  };
  const seconds = value('seconds', 60);
  const profileAt = args.indexOf('--cpu-prof');
  const cpuProfileDir = profileAt >= 0 ? path.resolve(args[profileAt + 1] ?? 'cpu-profiles') : null;
  return {
    seconds,
    proctors: Math.floor(value('proctors', 1000)),
    pages: Math.floor(value('pages', 5)),
    throughputSeconds: value('throughput-seconds', Math.min(10, seconds)),
    cpuProfileDir,
    throughputOnly: args.includes('--throughput-only'),
  };
}

/**
 * Issue 11 point 9: the proctor LAN load on the real product process. 1,000 proctors × 1
 * heartbeat/s (p50/p99/max, errors, server CPU and peak RSS), the heartbeat endpoint's
 * throughput against a bare Koa JSON endpoint in the same run, the same load while exam
 * packages are imported, and with admin monitor pages (SSE) open: heartbeat-to-page p99.
 */
export const lanBench: Bench = {
  summary: '考场监控局域网负载：1000 台监考机 × 每秒 1 次心跳 / 1,000 proctors × 1 heartbeat/s against the product',
  async run(args, report) {
    const o = parseOptions(args);
    line(`machine: ${os.cpus().length} CPU cores (${os.cpus()[0]?.model ?? '?'}), load average ${os.loadavg().map((l) => l.toFixed(1)).join(' / ')} — product, load generator (worker thread) and bench share these cores`);
    // A room code is the site code and 3 digits: a site has at most 999 rooms (the manifest refuses more).
    const rooms = Math.min(o.proctors, MAX_ROOMS);
    if (rooms < o.proctors) line(`rooms: ${rooms} (a site has at most ${MAX_ROOMS} rooms), so ${rooms} proctors instead of ${o.proctors}`);
    line(`run: ${rooms} proctors × 1 beat/s for ${o.seconds} s per phase; throughput ${o.throughputSeconds} s each; ${o.pages} monitor pages`);
    const key = generateSigningKeyPair();
    const centreKey: CentreSigningKey = { keyId: key.keyId, publicKey: key.publicKey, privateKeyPem: key.privateKeyPem };
    const spec = (day: number, seed: number) => ({
      siteCode: '11003',
      mode: 'mock' as const,
      rooms,
      candidatesPerRoom: CANDIDATES,
      sessions: defaultSessions(SESSIONS),
      releaseTime: `2026-12-${String(day).padStart(2, '0')}T10:00:00+08:00`,
      seed,
    });
    const base = await buildSitePackage(spec(1, 1), centreKey);
    // Newer releases of the same rooms (a replacement keeps every room's registration).
    const imports: BuiltPackage[] = [];
    for (let i = 0; i < Math.max(2, Math.ceil(o.seconds / 10)); i++) imports.push(await buildSitePackage(spec(2 + i, 2 + i), centreKey));
    line(`packages: ${rooms} rooms × ${CANDIDATES} candidates × ${SESSIONS} sessions = ${rooms * CANDIDATES * SESSIONS} candidate rows, ${(base.bytes.length / 1024 / 1024).toFixed(1)} MB each${rooms * CANDIDATES === 200 * 60 ? " (the row count of a 200-room × 60 × 4 package)" : ""}`);

    const dataDir = makeTempDir('examsite-bench-lan-');
    let product: ProductProcess | null = null;
    try {
      // --cpu-prof DIR: the product writes a .cpuprofile there when it stops (ADR 016 was found this way).
      const nodeArgs = o.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${o.cpuProfileDir}`] : [];
      product = await ProductProcess.start({ dataDir, centreKeys: [key.publicKey], nodeArgs });
      const admin = new TestClient(product.url);
      await admin.login('admin', '888');
      await admin.put('/api/settings', { siteCode: '11003', mode: 'mock' });
      const imported = await admin.post('/api/load/import', base.bytes, { 'content-type': 'application/zip' });
      if (imported.status !== 200) throw new Error(`import failed: ${imported.status} ${JSON.stringify(imported.body)}`);
      const proctors = await registerAll(product.url, admin);
      line(`registered ${proctors.length} proctors`);
      await generate({ url: product.url, path: HEARTBEAT_PATH, proctors, mode: 'open', seconds: 2, periodMs: 1000 }); // warm-up

      // Throughput: the same generator, closed loop, against a bare Koa JSON endpoint and the heartbeat.
      // CPU time per answered request as well: wall-clock rates swing with the machine's load.
      const koa = await startBareKoa();
      let koaRun: Measured;
      try {
        koaRun = await measured(koa.child.pid!, () => generate({ url: koa.url, path: '/beat', proctors, mode: 'closed', connections: 32, seconds: o.throughputSeconds }));
      } finally {
        koa.child.kill('SIGKILL');
      }
      const productRun = await measured(product.child.pid!, () => generate({ url: product!.url, path: HEARTBEAT_PATH, proctors, mode: 'closed', connections: 32, seconds: o.throughputSeconds }));
      const koaRps = rps(koaRun.result, o.throughputSeconds);
      const productRps = rps(productRun.result, o.throughputSeconds);
      const ratio = productRps / koaRps;
      const koaCpu = cpuMsPerRequest(koaRun);
      const productCpu = cpuMsPerRequest(productRun);
      line(`CPU per answered request, closed loop: heartbeat ${(productCpu * 1000).toFixed(0)} µs vs bare Koa ${(koaCpu * 1000).toFixed(0)} µs = ${((koaCpu / productCpu) * 100).toFixed(0)} % of bare Koa's rate per CPU second (load average ${os.loadavg()[0]!.toFixed(1)})`);
      if (o.throughputOnly) {
        line(`throughput, closed loop with 32 connections: heartbeat ${rpsText(productRps)} vs bare Koa JSON ${rpsText(koaRps)} = ${(ratio * 100).toFixed(0)} %`);
        return;
      }

      // Phase 1: the plain load.
      const plain = await measured(product!.child.pid!, () => generate({ url: product!.url, path: HEARTBEAT_PATH, proctors, mode: 'open', seconds: o.seconds, periodMs: 1000 }));

      // Phase 2: the same while packages are imported back to back.
      const importWindows: { start: number; end: number; ms: number; status: number }[] = [];
      let stopImports = false;
      const importing = (async () => {
        for (const pkg of imports) {
          if (stopImports) break;
          const start = performance.timeOrigin + performance.now();
          const r = await admin.post('/api/load/import', pkg.bytes, { 'content-type': 'application/zip' });
          const end = performance.timeOrigin + performance.now();
          importWindows.push({ start, end, ms: end - start, status: r.status });
          await sleep(200);
        }
      })();
      const during = await measured(product!.child.pid!, () => generate({ url: product!.url, path: HEARTBEAT_PATH, proctors, mode: 'open', seconds: o.seconds, periodMs: 1000 }));
      stopImports = true;
      await importing;

      // Phase 3: with admin monitor pages open (SSE on the monitor.room topic).
      const pages = await openPages(product.url, admin, o.pages);
      let withPages: Measured;
      try {
        withPages = await measured(product!.child.pid!, () => generate({ url: product!.url, path: HEARTBEAT_PATH, proctors, mode: 'open', seconds: o.seconds, periodMs: 1000 }));
      } finally {
        for (const p of pages) p.close();
      }
      const pageLatencies = pageLatency(withPages.result, proctors, pages);

      // Report.
      const verdicts: boolean[] = [];
      const verdict = (ok: boolean, figure?: { figure: string; value: string; baseline?: string; ratio?: string; target: string }): string => {
        verdicts.push(ok);
        if (figure) report.figure({ baseline: '-', ratio: '-', ...figure, pass: ok });
        return ok ? 'PASS' : 'FAIL';
      };
      line('');
      line(`throughput, closed loop with 32 connections: heartbeat ${rpsText(productRps)} vs bare Koa JSON ${rpsText(koaRps)} = ${(ratio * 100).toFixed(0)} %  (target ≥ ${TARGET_RATIO * 100} %): ${verdict(ratio >= TARGET_RATIO, { figure: 'heartbeat throughput', value: rpsText(productRps), baseline: `bare Koa ${rpsText(koaRps)}`, ratio: `${(ratio * 100).toFixed(0)} %`, target: `≥ ${TARGET_RATIO * 100} %` })}`);
      const phase = (name: string, m: Measured, window?: (sentAt: number) => boolean): void => {
        const s = stats(m.result, window);
        line(
          `${name}: ${s.count} beats (${(s.count / o.seconds).toFixed(0)}/s), p50 ${s.p50.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms, max ${s.max.toFixed(1)} ms, errors ${s.errors}; server CPU ${m.cpuPercent.toFixed(0)} % of one core, peak RSS ${m.peakRssMb.toFixed(0)} MB; generator schedule lag max ${m.result.maxScheduleLagMs.toFixed(1)} ms`,
        );
        if (m.result.firstErrors.length) line(`  first errors: ${m.result.firstErrors.join(' | ')}`);
        line(
          `  p99 ≤ ${TARGET_P99_MS} ms: ${verdict(s.p99 <= TARGET_P99_MS, { figure: `${name}: p99`, value: `${s.p99.toFixed(1)} ms`, target: `≤ ${TARGET_P99_MS} ms` })}; 0 errors: ${verdict(s.errors === 0, { figure: `${name}: errors`, value: String(s.errors), target: '0' })}`,
        );
      };
      phase('heartbeats', plain);
      phase('heartbeats while importing', during);
      line(`  imports: ${importWindows.map((w) => `${w.ms.toFixed(0)} ms (HTTP ${w.status})`).join(', ') || 'none'}`);
      if (importWindows.length) {
        const inImport = (t: number): boolean => importWindows.some((w) => t >= w.start && t <= w.end);
        const s = stats(during.result, inImport);
        line(`  beats sent during an import only: ${s.count}, p50 ${s.p50.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms, max ${s.max.toFixed(1)} ms, errors ${s.errors}`);
      }
      verdict(importWindows.length > 0 && importWindows.every((w) => w.status === 200));
      phase(`heartbeats with ${o.pages} monitor pages open`, withPages);
      const pl = percentiles(pageLatencies);
      line(
        `  heartbeat → page: ${pageLatencies.length} page updates matched, p50 ${pl.p50.toFixed(0)} ms, p99 ${pl.p99.toFixed(0)} ms, max ${pl.max.toFixed(0)} ms (target p99 ≤ ${TARGET_PAGE_P99_MS} ms): ${verdict(pageLatencies.length > 0 && pl.p99 <= TARGET_PAGE_P99_MS, { figure: 'monitor latency heartbeat → page, p99', value: `${pl.p99.toFixed(0)} ms`, target: `≤ ${TARGET_PAGE_P99_MS} ms` })}`,
      );
      line(`overall: ${verdicts.every(Boolean) ? 'PASS' : 'FAIL'}`);
    } finally {
      await product?.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  },
};

function rpsText(n: number): string {
  return `${n.toFixed(0)} req/s`;
}

async function registerAll(url: string, admin: TestClient): Promise<LoadProctor[]> {
  const table = await admin.get<{ rooms: { roomCode: string; registrationCode: string }[] }>('/api/registration/rooms');
  const rooms = table.body.rooms;
  const out: LoadProctor[] = new Array(rooms.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < rooms.length) {
        const i = next++;
        const client = new ProctorClient(url);
        const c = await client.register({ roomCode: rooms[i]!.roomCode, registrationCode: rooms[i]!.registrationCode, machineId: `bench-${rooms[i]!.roomCode}` });
        out[i] = { roomCode: c.roomCode, token: c.token };
      }
    }),
  );
  return out;
}

function generate(job: LoadJob): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(path.join(__dirname, 'lan-load-worker.js'), { workerData: job });
    worker.once('message', (r: LoadResult) => {
      resolve(r);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

interface Measured {
  readonly result: LoadResult;
  readonly cpuPercent: number;
  /** utime + stime of the run (10 ms resolution). */
  readonly cpuMs: number;
  readonly peakRssMb: number;
}

/** Runs `work` while sampling the product's CPU time and resident memory from /proc. */
async function measured(pid: number, work: () => Promise<LoadResult>): Promise<Measured> {
  const cpu0 = cpuTicks(pid);
  const t0 = performance.now();
  let peak = rssMb(pid);
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 100);
  try {
    const result = await work();
    const seconds = (performance.now() - t0) / 1000;
    const cpuMs = (cpuTicks(pid) - cpu0) * 10;
    return { result, cpuPercent: (cpuMs / 1000 / seconds) * 100, cpuMs, peakRssMb: Math.max(peak, rssMb(pid)) };
  } finally {
    clearInterval(sampler);
  }
}

/** The process's CPU milliseconds per answered request of a measured run. */
function cpuMsPerRequest(m: Measured): number {
  return m.cpuMs / Math.max(1, rps(m.result, 1));
}

/** utime + stime of the process, in clock ticks (USER_HZ = 100 on Linux). */
function cpuTicks(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

function rps(r: LoadResult, seconds: number): number {
  let good = 0;
  for (let i = 0; i < r.count; i++) good += r.ok[i]!;
  return good / seconds;
}

function stats(r: LoadResult, window?: (sentAt: number) => boolean): { count: number; errors: number; p50: number; p99: number; max: number } {
  const lat: number[] = [];
  let errors = 0;
  for (let i = 0; i < r.count; i++) {
    if (window && !window(r.sentAt[i]!)) continue;
    if (!r.ok[i]) errors++;
    lat.push(r.latencyMs[i]!);
  }
  return { count: lat.length, errors, ...percentiles(lat) };
}

function percentiles(xs: number[]): { p50: number; p99: number; max: number } {
  if (xs.length === 0) return { p50: NaN, p99: NaN, max: NaN };
  const s = Float64Array.from(xs).sort();
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { p50: at(0.5), p99: at(0.99), max: s[s.length - 1]! };
}

/** A bare Koa process answering a JSON body with JSON: the baseline of the same run. */
async function startBareKoa(): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const script = `
    const Koa = require('koa');
    const app = new Koa();
    app.use(async (ctx) => {
      let text = '';
      for await (const c of ctx.req) text += c;
      const body = JSON.parse(text);
      ctx.body = { serverTime: new Date().toISOString(), timeSource: 'pc', intervalSeconds: 5, notices: [], room: body.roomCode };
    });
    app.listen(${port}, '127.0.0.1', () => process.stdout.write('ready\\n'));`;
  const child = spawn(process.execPath, ['-e', script], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`bare Koa exited with ${String(code)}`)));
  });
  return { url: `http://127.0.0.1:${port}`, child };
}

interface Page {
  readonly events: { at: number; roomCode: string; marker: number }[];
  close(): void;
}

/** `count` admin pages subscribed to the monitor.room topic, as the 考场监控 page is. */
async function openPages(url: string, admin: TestClient, count: number): Promise<Page[]> {
  const r = await admin.post<{ token: string }>('/api/auth/login', { username: 'admin', password: '888' });
  const token = r.body.token;
  const target = new URL(url);
  return Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Page>((resolve, reject) => {
          const events: Page['events'] = [];
          const req = http.get({ host: target.hostname, port: target.port, path: '/api/events?topics=monitor.room', headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } }, (res) => {
            if (res.statusCode !== 200) return reject(new Error(`events: HTTP ${res.statusCode}`));
            res.setEncoding('utf8');
            let buffered = '';
            res.on('data', (chunk: string) => {
              const at = performance.timeOrigin + performance.now();
              buffered += chunk;
              let end: number;
              while ((end = buffered.indexOf('\n\n')) >= 0) {
                const block = buffered.slice(0, end);
                buffered = buffered.slice(end + 2);
                const data = block.split('\n').find((l) => l.startsWith('data: '));
                if (!block.includes('event: monitor.room') || !data) continue;
                const live = JSON.parse(data.slice(6)) as { roomCode: string; counts: { loggedIn: number } | null };
                if (live.counts) events.push({ at, roomCode: live.roomCode, marker: live.counts.loggedIn });
              }
            });
            resolve({ events, close: () => req.destroy() });
          });
          req.on('error', (e) => (e.message === 'socket hang up' ? undefined : reject(e)));
        }),
    ),
  );
}

/** For every page update: the time since the beat it shows was sent. */
function pageLatency(r: LoadResult, proctors: readonly LoadProctor[], pages: readonly Page[]): number[] {
  const indexOf = new Map(proctors.map((p, i) => [p.roomCode, i]));
  const sends: { at: number; marker: number }[][] = proctors.map(() => []);
  for (let i = 0; i < r.count; i++) if (r.ok[i]) sends[r.proctor[i]!]!.push({ at: r.sentAt[i]!, marker: r.marker[i]! });
  const out: number[] = [];
  for (const page of pages) {
    for (const e of page.events) {
      const list = sends[indexOf.get(e.roomCode) ?? -1];
      if (!list) continue;
      for (let j = list.length - 1; j >= 0; j--) {
        const s = list[j]!;
        if (s.at <= e.at && s.marker === e.marker) {
          out.push(e.at - s.at);
          break;
        }
      }
    }
  }
  return out;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function line(s: string): void {
  process.stdout.write(`${s}\n`);
}
