import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { definePlugin, type PluginDefinition } from '../core/kernel/plugin';
import { coreServices } from '../core/services';
import { makeTempDir, type TestServer } from '../core/testing/test-server';
import type { TestClient } from '../core/testing/http-client';
import { buildPackage, newCentreKey } from '../plugins/registration/test/site-harness';
import { restarted, startSystemSite } from '../plugins/system/test/system-harness';
import type { Bench } from './run';

const FILE_BYTES = 8 * 1024 * 1024;

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
  summary: '系统备份（含回读校验）对比普通复制；内存峰值；系统恢复耗时',
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

      const copyDir = temp('bench-bak-copy-');
      const c0 = Date.now();
      for (const name of fs.readdirSync(results)) fs.copyFileSync(path.join(results, name), path.join(copyDir, name));
      fs.copyFileSync(path.join(site.server.dataDir, 'examsite.sqlite'), path.join(copyDir, 'examsite.sqlite'));
      const copyMs = Date.now() - c0;
      fs.rmSync(copyDir, { recursive: true, force: true });

      const backupDir = temp('bench-bak-out-');
      let peakRss = process.memoryUsage().rss;
      const baseRss = peakRss;
      const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
      const b0 = Date.now();
      const made = await site.admin.post<{ file: string; size: number }>('/api/system/backups', { folder: backupDir, note: 'bench' });
      const backupMs = Date.now() - b0;
      clearInterval(sampler);
      if (made.status !== 200) throw new Error(`backup failed: ${made.status} ${JSON.stringify(made.body)}`);

      const fresh = await startSystemSite({ key, dataDir: temp('bench-bak-fresh-'), dongleFrom: site.server.dataDir, extraPlugins: [resultsPlugin()] });
      servers.push(fresh.server);
      const r0 = Date.now();
      const restore = await fresh.admin.post('/api/system/restore', { file: made.body.file });
      if (restore.status !== 200) throw new Error(`restore failed: ${restore.status} ${JSON.stringify(restore.body)}`);
      await restarted(fresh.server, 0);
      const restoreMs = Date.now() - r0;

      const mb = bytes / 1024 / 1024;
      const ratio = copyMs / backupMs;
      process.stdout.write(
        [
          `site: 200 rooms, ${count} result files, ${mb.toFixed(0)} MB`,
          `plain copy:         ${seconds(copyMs)} (${(mb / (copyMs / 1000)).toFixed(0)} MB/s)`,
          `backup + verify:    ${seconds(backupMs)} (${(mb / (backupMs / 1000)).toFixed(0)} MB/s), file ${(made.body.size / 1024 / 1024).toFixed(0)} MB`,
          `backup vs copy:     ${(ratio * 100).toFixed(0)} % (target ≥ 70 %): ${report.figure({ figure: `系统备份 + verify, ${mb.toFixed(0)} MB`, value: seconds(backupMs), baseline: `plain copy ${seconds(copyMs)}`, ratio: `${(ratio * 100).toFixed(0)} %`, target: '≥ 70 % of the copy', pass: ratio >= 0.7 })}`,
          `peak RSS:           ${(peakRss / 1024 / 1024).toFixed(0)} MB (+${((peakRss - baseRss) / 1024 / 1024).toFixed(0)} MB over the ${(baseRss / 1024 / 1024).toFixed(0)} MB before)`,
          `restore (check, stage, swap, restart): ${seconds(restoreMs)}`,
          `${report.figure({ figure: '系统恢复 (check, stage, swap, restart)', value: seconds(restoreMs), baseline: '-', ratio: '-', target: 'printed (no target)', pass: true })}`,
          '',
        ].join('\n'),
      );
    } finally {
      for (const s of servers) await s.stop().catch(() => undefined);
      for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    }
  },
};
