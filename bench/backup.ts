import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs, { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { definePlugin, type PluginDefinition } from '../core/kernel/plugin';
import { coreServices } from '../core/services';
import { makeTempDir, type TestServer } from '../core/testing/test-server';
import type { TestClient } from '../core/testing/http-client';
import { buildPackage, newCentreKey } from '../test/integration/registration/site-harness';
import { restarted, startSystemSite } from '../test/integration/system/system-harness';
import type { Bench } from './run';

const FILE_BYTES = 8 * 1024 * 1024;
const ROUNDS = 2;
const TARGET_RATIO = 0.7;
/** The whole process (the site runs in it) while 1 GB goes through: bounded means a stream, not a buffer. */
const RSS_LIMIT_MB = 300;

/** The baseline: a stream copy of each file (1 MiB reads), fsynced, then the folder fsynced. */
async function plainCopy(files: readonly string[], dir: string): Promise<void> {
  for (const file of files) {
    const target = path.join(dir, path.basename(file));
    await pipeline(fs.createReadStream(file, { highWaterMark: 1024 * 1024 }), fs.createWriteStream(target));
    await syncPath(target);
  }
  await syncPath(dir);
}

async function syncPath(p: string): Promise<void> {
  const handle = await fsp.open(p, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** A plugin whose folder holds the generated "results" (a data participant like the collection stage). */
function resultsPlugin(): PluginDefinition {
  return definePlugin({
    manifest: { id: 'bench-results', version: '1.0.0', host: '^0.1.0', displayName: '基准：回收结果' },
    register(env) {
      env.registerInit({
        deps: { participation: coreServices.dataParticipation, files: coreServices.files },
        init({ participation, files }) {
          const folder = path.join(files.dir, 'results');
          fs.mkdirSync(folder, { recursive: true });
          participation.participate({ label: '基准结果', folders: [folder] });
        },
      });
    },
  });
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

/**
 * `npm run bench -- backup [MB]`: a site with 200 rooms and (default) 1 GB of result files;
 * 系统备份 (snapshot + sealed stream + read-back verification) against a plain copy of the
 * same bytes in the same run, the process's peak RSS while backing up, and 系统恢复 onto a
 * fresh data folder with the same dongle.
 */
export const backupBench: Bench = {
  summary: '系统备份（含回读校验）对比普通流式复制（fsync）；内存峰值；系统恢复耗时',
  async run(args, report) {
    const totalMb = Number(args[0] ?? 1024);
    const key = newCentreKey();
    const dirs: string[] = [];
    const temp = (p: string): string => {
      const d = makeTempDir(p);
      dirs.push(d);
      return d;
    };
    const servers: TestServer[] = [];
    try {
      const extra = [resultsPlugin()];
      const site: { server: TestServer; admin: TestClient } = await startSystemSite({ key, dataDir: temp('bench-bak-site-'), extraPlugins: extra });
      servers.push(site.server);
      await site.admin.put('/api/settings', { siteCode: '11003', mode: 'mock' });
      const pkg = await buildPackage(key, { siteCode: '11003', rooms: 200, candidatesPerRoom: 30 });
      const imported = await site.admin.post('/api/load/import', pkg.bytes, { 'content-type': 'application/zip' });
      if (imported.status !== 200) throw new Error(`import failed: ${imported.status}`);

      const results = path.join(site.server.dataDir, 'plugins', 'bench-results', 'results');
      const count = Math.max(1, Math.round((totalMb * 1024 * 1024) / FILE_BYTES));
      const block = randomBytes(FILE_BYTES);
      for (let i = 0; i < count; i++) {
        block.writeUInt32BE(i, 0);
        fs.writeFileSync(path.join(results, `room-${String(i).padStart(4, '0')}.zip`), block);
      }
      const bytes = count * FILE_BYTES;

      // Baseline: what a copy tool does with the same bytes (the result files and the
      // database file): a stream copy with 1 MiB reads, each file fsynced, then the folder.
      // Each run starts with nothing dirty (sync); the two sides alternate and the best of
      // each counts, so neither pays for the other's write-back.
      const sources = [...fs.readdirSync(results).map((n) => path.join(results, n)), path.join(site.server.dataDir, 'examsite.sqlite')];
      const copyRuns: number[] = [];
      const backupRuns: number[] = [];
      let made: { file: string; size: number } | null = null;
      const baseRss = process.memoryUsage().rss;
      let peakRss = baseRss;
      for (let round = 0; round < ROUNDS; round++) {
        const copyDir = temp('bench-bak-copy-');
        execFileSync('sync');
        const c0 = performance.now();
        await plainCopy(sources, copyDir);
        copyRuns.push(performance.now() - c0);
        fs.rmSync(copyDir, { recursive: true, force: true });

        const backupDir = temp('bench-bak-out-');
        execFileSync('sync');
        const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
        const b0 = performance.now();
        const answer = await site.admin.post<{ file: string; size: number }>('/api/system/backups', { folder: backupDir, note: 'bench' });
        backupRuns.push(performance.now() - b0);
        clearInterval(sampler);
        if (answer.status !== 200) throw new Error(`backup failed: ${answer.status} ${JSON.stringify(answer.body)}`);
        if (made) fs.rmSync(path.dirname(made.file), { recursive: true, force: true });
        made = answer.body;
      }
      if (!made) throw new Error('no backup made');
      const copyMs = Math.min(...copyRuns);
      const backupMs = Math.min(...backupRuns);

      const fresh = await startSystemSite({ key, dataDir: temp('bench-bak-fresh-'), dongleFrom: site.server.dataDir, extraPlugins: [resultsPlugin()] });
      servers.push(fresh.server);
      const r0 = Date.now();
      const restore = await fresh.admin.post('/api/system/restore', { file: made.file });
      if (restore.status !== 200) throw new Error(`restore failed: ${restore.status} ${JSON.stringify(restore.body)}`);
      await restarted(fresh.server, 0);
      const restoreMs = Date.now() - r0;

      const mb = bytes / 1024 / 1024;
      const ratio = copyMs / backupMs;
      const rssMb = peakRss / 1024 / 1024;
      const line = (t: string): void => void process.stdout.write(`${t}\n`);
      line(`site: 200 rooms, ${count} result files, ${mb.toFixed(0)} MB (+ the database); load average ${os.loadavg()[0]!.toFixed(2)}`);
      line(`runs (ms): plain copy ${copyRuns.map((m) => m.toFixed(0)).join(' / ')}, backup ${backupRuns.map((m) => m.toFixed(0)).join(' / ')} (sync before each; best counts)`);
      line(`plain copy (stream copy, 1 MiB reads, fsync per file and folder, as a copy tool): ${seconds(copyMs)} (${(mb / (copyMs / 1000)).toFixed(0)} MB/s)`);
      line(`系统备份 (snapshot, sealed stream, fsync, read back every chunk and hash, rename): ${seconds(backupMs)} (${(mb / (backupMs / 1000)).toFixed(0)} MB/s), file ${(made.size / 1024 / 1024).toFixed(0)} MB`);
      const speed = report.figure({ figure: '系统备份+校验 vs plain copy', value: seconds(backupMs), baseline: `copy ${seconds(copyMs)}`, ratio: `${(ratio * 100).toFixed(0)} %`, target: `≥ ${TARGET_RATIO * 100} %`, pass: ratio >= TARGET_RATIO });
      line(`backup vs copy: ${(ratio * 100).toFixed(0)} % (target ≥ ${TARGET_RATIO * 100} %): ${speed}`);
      const memory = report.figure({ figure: '系统备份 peak RSS', value: `${rssMb.toFixed(0)} MB`, baseline: `before ${(baseRss / 1024 / 1024).toFixed(0)} MB`, ratio: '-', target: `< ${RSS_LIMIT_MB} MB`, pass: rssMb < RSS_LIMIT_MB });
      line(`peak RSS: ${rssMb.toFixed(0)} MB (+${((peakRss - baseRss) / 1024 / 1024).toFixed(0)} MB over the ${(baseRss / 1024 / 1024).toFixed(0)} MB before; target < ${RSS_LIMIT_MB} MB): ${memory}`);
      report.figure({ figure: '系统恢复 (check, stage, swap, restart)', value: seconds(restoreMs), baseline: '-', ratio: '-', target: 'printed (no target)', pass: true });
      line(`系统恢复 on a fresh data folder (check, stage, swap, restart): ${seconds(restoreMs)} (${(mb / (restoreMs / 1000)).toFixed(0)} MB/s)`);
    } finally {
      for (const s of servers) await s.stop().catch(() => undefined);
      for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    }
  },
};
