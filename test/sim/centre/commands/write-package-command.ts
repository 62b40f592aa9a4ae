import fs from 'node:fs';
import path from 'node:path';
import { summary } from '../centre-simulator';
import { buildSitePackage, defaultSessions } from '../package-builder';
import { CentreSimState } from '../sim-state';
import type { SitePackageSpec } from '../sim-types';
import { EXIT, UsageError, type SimCommand } from './sim-command';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Writes a site's exam data package (.zip) for manual import (R2.2, R12.2). The package is
 * also recorded as the centre's current release in the simulator's data folder, with its
 * session keys, so the online download, the release check and later authorizations agree
 * with the file.
 */
export const writePackageCommand: SimCommand = {
  name: 'write-package',
  summary: '生成考场数据包 .zip（手工导入用，同时作为当前发布） / write a site package for manual import',
  usage:
    '--data <dir> --site 11003 --mode mock|formal --rooms 3 [--candidates 30] [--sessions 2] [--release <iso>] [--first-start <iso>] [--seed <n>] --out pkg.zip',
  async run(args, io) {
    const state = new CentreSimState(args.required('data'));
    const siteCode = args.required('site');
    if (!/^\d{5}$/.test(siteCode)) throw new UsageError('--site 应为 5 位数字的考点代码 / --site must be 5 digits');
    const mode = args.required('mode');
    if (mode !== 'formal' && mode !== 'mock') throw new UsageError('--mode 应为 formal 或 mock / --mode must be formal or mock');
    const rooms = args.int('rooms', 0);
    if (rooms < 1 || rooms > 999) throw new UsageError('--rooms 应为 1–999 / --rooms must be 1..999');
    const candidates = args.int('candidates', 30);
    if (candidates < 1 || candidates > 500) throw new UsageError('--candidates 应为 1–500 / --candidates must be 1..500');
    const sessionCount = args.int('sessions', 2);
    if (sessionCount < 1 || sessionCount > 99) throw new UsageError('--sessions 应为 1–99 / --sessions must be 1..99');
    const release = args.optional('release') ?? new Date().toISOString();
    if (!ISO.test(release) || Number.isNaN(Date.parse(release))) throw new UsageError('--release 应为带时区的 ISO-8601 时间 / --release must be ISO-8601');
    const firstStart = args.optional('first-start');
    if (firstStart !== undefined && (!ISO.test(firstStart) || Number.isNaN(Date.parse(firstStart)))) {
      throw new UsageError('--first-start 应为带时区的 ISO-8601 时间 / --first-start must be ISO-8601');
    }
    const seed = args.optional('seed');
    if (seed !== undefined && !/^\d+$/.test(seed)) throw new UsageError('--seed 应为整数 / --seed must be an integer');
    const out = args.required('out');

    const sessions = firstStart
      ? Array.from({ length: sessionCount }, (_, i) => ({
          no: i + 1,
          name: `第${i + 1}场`,
          // Back to back with a 60-minute break: 90 minutes each.
          startsAt: new Date(Date.parse(firstStart) + i * 150 * 60_000).toISOString(),
          durationMinutes: 90,
        }))
      : defaultSessions(sessionCount);
    const spec: SitePackageSpec = { siteCode, mode, rooms, candidatesPerRoom: candidates, sessions, releaseTime: release, seed: seed === undefined ? undefined : Number(seed) };
    const built = await buildSitePackage(spec, state.signingKey);
    const published = state.savePublished(built);
    fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
    const tmp = `${out}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, built.bytes);
    fs.renameSync(tmp, out);
    io.out(JSON.stringify({ out, ...summary(published) }));
    return EXIT.ok;
  },
};
