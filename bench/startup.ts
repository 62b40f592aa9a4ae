import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { generateSigningKeyPair } from '../core/crypto';
import { TestClient } from '../core/testing/http-client';
import { makeTempDir } from '../core/testing/test-server';
import { freePort } from '../core/testing/free-port';
import { ProductProcess } from '../test/integration/product-process';
import { buildSitePackage, defaultSessions } from '../test/sim/centre/package-builder';
import type { Bench } from './run';

const RUNS = 5;
const ROOMS = 200;
const TARGET_MS = 2000;
const REPO = path.resolve(__dirname, '../..');

/**
 * Quality bar §4 "Start to ready ≤ 2 s": the real product process (all built-in plugins,
 * a loaded package of 200 rooms in its data folder) from spawn to its 已启动 log line and
 * to the first 200 on /api/public/info; median of 5, with its ratio to a bare Koa server
 * process started and polled the same way in the same run.
 */
export const startupBench: Bench = {
  summary: `启动到就绪（全部内置插件，已载入 ${ROOMS} 个考场）/ start to ready, median of ${RUNS}`,
  async run(_args, report) {
    const key = generateSigningKeyPair();
    const pkg = await buildSitePackage(
      { siteCode: '11003', mode: 'mock', rooms: ROOMS, candidatesPerRoom: 60, sessions: defaultSessions(4), releaseTime: '2026-12-01T10:00:00+08:00', seed: 1 },
      { keyId: key.keyId, publicKey: key.publicKey, privateKeyPem: key.privateKeyPem },
    );
    const dataDir = makeTempDir('examsite-bench-startup-');
    try {
      const setup = await ProductProcess.start({ dataDir, centreKeys: [key.publicKey] });
      try {
        const admin = new TestClient(setup.url);
        await admin.login('admin', '888');
        await admin.put('/api/settings', { siteCode: '11003', mode: 'mock' });
        const r = await admin.post<{ roomCount: number }>('/api/load/import', pkg.bytes, { 'content-type': 'application/zip' });
        if (r.status !== 200 || r.body.roomCount !== ROOMS) throw new Error(`import failed: ${r.status} ${JSON.stringify(r.body)}`);
      } finally {
        await setup.stop();
      }

      const logReady: number[] = [];
      const httpReady: number[] = [];
      const koaReady: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        // Interleaved, so both see the same machine load.
        koaReady.push(await bareKoaStart());
        const p = await ProductProcess.start({ dataDir, centreKeys: [key.publicKey] });
        try {
          logReady.push(performance.now() - p.startedAt);
          // The log line comes right after listen; the first answer proves it serves.
          await firstOk(`${p.url}/api/public/info`);
          httpReady.push(performance.now() - p.startedAt);
          if (i === 0) {
            // The measured start really had the loaded exam data.
            const admin = new TestClient(p.url);
            await admin.login('admin', '888');
            const rooms = await admin.get<{ rooms: unknown[] }>('/api/load/rooms');
            if (rooms.body.rooms.length !== ROOMS) throw new Error(`expected ${ROOMS} loaded rooms, got ${rooms.body.rooms.length}`);
          }
        } finally {
          const exit = await p.stop();
          if (exit.code !== 0) throw new Error(`product exited with ${String(exit.code)}: ${p.stderr.join('')}`);
        }
      }
      const product = median(httpReady);
      const koa = median(koaReady);
      line(`product, spawn → 已启动 log line:             median ${ms(median(logReady))}  (runs: ${logReady.map(ms).join(', ')})`);
      line(`product, spawn → first 200 /api/public/info: median ${ms(product)}  (runs: ${httpReady.map(ms).join(', ')})`);
      line(`baseline, bare Koa process → first 200:     median ${ms(koa)}  (runs: ${koaReady.map(ms).join(', ')})`);
      line(`ratio product / bare Koa: ${(product / koa).toFixed(1)}×`);
      line(`target ≤ ${TARGET_MS} ms: ${report.figure({ figure: 'start-up with 200 rooms → first answer', value: ms(product), baseline: `bare Koa ${ms(koa)}`, ratio: `${(product / koa).toFixed(1)}×`, target: `≤ ${TARGET_MS} ms`, pass: product <= TARGET_MS })}`);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  },
};

/** A process with nothing but Koa answering JSON, timed from spawn to its first 200. */
async function bareKoaStart(): Promise<number> {
  const port = await freePort();
  const script = `const Koa = require('koa'); const app = new Koa(); app.use((ctx) => { ctx.body = { ok: true }; }); app.listen(${port}, '127.0.0.1');`;
  const t0 = performance.now();
  const child = spawn(process.execPath, ['-e', script], { cwd: REPO, stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await firstOk(`http://127.0.0.1:${port}/`);
    return performance.now() - t0;
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
}

async function firstOk(url: string, timeoutMs = 20_000): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (performance.now() < until) {
    const ok = await fetch(url).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error(`${url} 在 ${timeoutMs} ms 内没有应答`);
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function ms(x: number): string {
  return `${x.toFixed(0)} ms`;
}

function line(s: string): void {
  process.stdout.write(`${s}\n`);
}
