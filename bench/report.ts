import { createHash, randomBytes } from 'node:crypto';
import fs, { promises as fsp } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { makeTempDir } from '../core/testing/test-server';
import type { CollectedPackage } from '../plugins/collection/server/report/collected-results';
import { verifyBackup, writeBackup } from '../plugins/collection/server/report/result-backup-files';
import type { Bench } from './run';

const PACKAGES = 40;
const MB = 1024 * 1024;
const SIZE_MB = 25;
const TARGET_RATIO = 0.7;

async function plainCopy(packages: readonly CollectedPackage[], dir: string): Promise<void> {
  await fsp.mkdir(dir);
  for (const p of packages) {
    const target = path.join(dir, path.basename(p.file));
    await fsp.copyFile(p.file, target);
    const h = await fsp.open(target, 'r');
    await h.sync();
    await h.close();
  }
}

/**
 * Issue 12 point 10: 考后上报 第一步 (copy with hashing, fsync, manifest, read-back check)
 * against a plain durable copy (copyFile + fsync per file) of the same bytes, same run.
 */
export const reportBench: Bench = {
  summary: `考后上报第一步：备份 ${PACKAGES} 个 ${SIZE_MB} MB 结果包（含读回校验），对比普通文件复制 / backup step vs plain copy`,
  async run(_args, report) {
    const work = makeTempDir('examsite-bench-report-');
    try {
      const packages: CollectedPackage[] = [];
      const source = path.join(work, 'collected');
      fs.mkdirSync(source);
      for (let i = 0; i < PACKAGES; i++) {
        const bytes = randomBytes(SIZE_MB * MB);
        const file = path.join(source, `${i}.zip`);
        fs.writeFileSync(file, bytes);
        const roomCode = String(11003001 + i);
        packages.push({ roomCode, sessionNo: 1, file, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), acceptedAt: new Date().toISOString() });
      }
      const total = PACKAGES * SIZE_MB * MB;

      // Each run starts with nothing left to write back (sync), so neither side pays for the
      // other's dirty pages; both run twice, alternating, and the faster run of each counts.
      const settle = (): void => void execFileSync('sync');
      const site = { siteCode: '11003', mode: 'mock' as const, createdAt: new Date().toISOString() };
      const copyRuns: number[] = [];
      const backupRuns: number[] = [];
      for (let round = 0; round < 2; round++) {
        settle();
        let t = performance.now();
        await plainCopy(packages, path.join(work, `plain-${round}`));
        copyRuns.push(performance.now() - t);
        settle();
        t = performance.now();
        const dir = path.join(work, `backup-${round}`);
        const written = await writeBackup(dir, site, packages, () => undefined);
        await verifyBackup(dir, written.manifestSha256, () => undefined);
        backupRuns.push(performance.now() - t);
        fs.rmSync(path.join(work, `plain-${round}`), { recursive: true, force: true });
        fs.rmSync(dir, { recursive: true, force: true });
      }
      const copyMs = Math.min(...copyRuns);
      const backupMs = Math.min(...backupRuns);

      const ratio = copyMs / backupMs;
      const rate = (ms: number): string => `${(total / MB / (ms / 1000)).toFixed(0)} MB/s`;
      const line = (s: string): void => void process.stdout.write(`${s}\n`);
      line(`runs (ms): plain copy ${copyRuns.map((m) => m.toFixed(0)).join(' / ')}, backup ${backupRuns.map((m) => m.toFixed(0)).join(' / ')} (sync before each; best counts)`);
      line(`plain copy (copyFile + fsync per file, the same durability as the backup's copy): ${rate(copyMs)}  (${(copyMs / 1000).toFixed(2)} s for ${total / MB} MB)`);
      line(`第一步 backup (copy + fsync, manifest, read back and hash every copy): ${rate(backupMs)}  (${(backupMs / 1000).toFixed(2)} s)`);
      line(
        `backup / plain copy: ${(ratio * 100).toFixed(0)} %  (target ≥ ${TARGET_RATIO * 100} %): ${report.figure({ figure: '考后上报 第一步 (copy, manifest, read back)', value: rate(backupMs), baseline: `plain copy ${rate(copyMs)}`, ratio: `${(ratio * 100).toFixed(0)} %`, target: `≥ ${TARGET_RATIO * 100} %`, pass: ratio >= TARGET_RATIO })}`,
      );
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  },
};
