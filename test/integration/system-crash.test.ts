import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { SWAP_JOURNAL } from '../../core/lifecycle/data-swap';
import { makeTempDir } from '../../core/testing/test-server';
import type { BuiltPackage } from '../sim/centre/sim-types';
import { ProductProcess, filesUnder } from './product-process';
import { CRASH_SITE as SITE, adminOf, centreKey, crashReleases, expectFilesClean, integrity, loadedState, readDb } from './site-state';

/**
 * Issue 13 "done when": SIGKILL of the real product process in the middle of 系统备份 (no half
 * file listed, nothing left behind), of 系统恢复 (the old data or the restored one, never a
 * mix) and of 系统初始化 (the old state or the initialized one).
 */

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Listing {
  name: string;
  verified: boolean;
}

describe('issue 13: SIGKILL of the real product mid-backup, mid-restore, mid-initialization', function () {
  this.timeout(180_000);
  const key = centreKey();
  const work = makeTempDir('examsite-system-crash-');
  /** State B (the newer release loaded) with a backup of state A (the older release) in `bakDir`. */
  const baseline = path.join(work, 'baseline');
  const bakDir = path.join(work, 'backups');
  let bakFile: string;
  let older: BuiltPackage;
  let newer: BuiltPackage;
  /** State A as an uninterrupted restore of the backup gives it (the first restore test). */
  let fingerprintA: string;
  let fingerprintB: string;
  let copies = 0;
  const outcomes: Record<string, string[]> = { backup: [], restore: [], initialization: [] };

  const copyOfBaseline = (): string => {
    const dir = path.join(work, `run-${++copies}`);
    fs.cpSync(baseline, dir, { recursive: true });
    return dir;
  };
  const start = (dataDir: string): Promise<ProductProcess> => ProductProcess.start({ dataDir, centreKeys: [key.publicKey] });
  /** Logs in first, then times only the request. */
  const timedPost = async (p: ProductProcess, route: string, body: unknown): Promise<{ status: number; ms: number }> => {
    const admin = await adminOf(p);
    const t0 = performance.now();
    const r = await admin.post(route, body);
    return { status: r.status, ms: performance.now() - t0 };
  };

  before(async () => {
    ({ older, newer } = await crashReleases(key));
    fs.mkdirSync(baseline);
    fs.mkdirSync(bakDir);
    const p = await start(baseline);
    try {
      const admin = await adminOf(p);
      expect((await admin.put('/api/settings', { siteCode: SITE, mode: 'mock' })).status).to.equal(200);
      expect((await admin.post('/api/load/import', older.bytes, { 'content-type': 'application/zip' })).status).to.equal(200);
      const made = await admin.post<{ file: string }>('/api/system/backups', { folder: bakDir, note: 'A' });
      expect(made.status, JSON.stringify(made.body)).to.equal(200);
      bakFile = made.body.file;
      expect((await admin.post('/api/load/import', newer.bytes, { 'content-type': 'application/zip' })).status).to.equal(200);
    } catch (e) {
      throw new Error(`${(e as Error).message}\nlog: ${p.lines.slice(-6).map((l) => JSON.stringify(l)).join('\n')}\nstderr: ${p.stderr.join('')}`);
    } finally {
      expect((await p.stop()).code).to.equal(0);
    }
    fingerprintB = loadedState(baseline).fingerprint;
  });
  after(() => {
    // eslint-disable-next-line no-console
    for (const [what, list] of Object.entries(outcomes)) if (list.length) console.log(`      ${what} outcomes: ${list.join(', ')}`);
    fs.rmSync(work, { recursive: true, force: true });
  });

  /** Restarts on the crashed folder: integrity ok, data consistent with its files, no staging left; returns the state. */
  async function restartAndCheck(dir: string, check?: (p: ProductProcess) => Promise<void>): Promise<string> {
    // A committed swap journal means the crash fell inside the swap's renames: the folder is
    // half old, half staged by design (the -wal/-shm already moved aside) and only the next
    // start finishes it, so the database can be checked on its own only when none is pending.
    if (!fs.existsSync(path.join(dir, SWAP_JOURNAL))) expect(integrity(dir)).to.equal('ok');
    const p = await start(dir);
    try {
      await check?.(p);
    } finally {
      expect((await p.stop()).code).to.equal(0);
    }
    expect(integrity(dir)).to.equal('ok');
    const state = loadedState(dir);
    expectFilesClean(dir, state);
    expect(fs.existsSync(path.join(dir, '.swap-staging')), 'restore staging left behind').to.equal(false);
    expect(filesUnder(path.join(dir, 'plugins', 'system', '.tmp')), 'backup snapshot left behind').to.deep.equal([]);
    return state.fingerprint;
  }

  describe('系统恢复', () => {
    let stageMs = 0;

    it('an uninterrupted restore of backup A onto state B gives state A (the reference)', async () => {
      const dir = copyOfBaseline();
      const p = await start(dir);
      const r = await timedPost(p, '/api/system/restore', { file: bakFile });
      expect(r.status).to.equal(200);
      stageMs = r.ms;
      await p.waitForLog((l) => l.msg === '考点管理系统已在进程内重新启动', 30_000);
      await p.stop();
      fingerprintA = loadedState(dir).fingerprint;
      expect(fingerprintA).to.not.equal(fingerprintB);
      expect(loadedState(dir).codes.size).to.equal(60);
      expect(await restartAndCheck(dir)).to.equal(fingerprintA);
      // eslint-disable-next-line no-console
      console.log(`      restore: checked and staged in ${stageMs.toFixed(0)} ms`);
    });

    const moments: { name: string; wait: (p: ProductProcess, reply: Promise<number>) => Promise<void> }[] = [
      { name: 'while checking and staging (30 %)', wait: () => sleep(stageMs * 0.3) },
      { name: 'while checking and staging (80 %)', wait: () => sleep(stageMs * 0.8) },
      { name: 'right after the reply, as the host stops to swap', wait: async (_p, reply) => void (await reply) },
      { name: '20 ms after the reply (swap in progress)', wait: async (_p, reply) => void (await reply, await sleep(20)) },
      { name: 'after the in-process restart', wait: async (p, reply) => void (await reply, await p.waitForLog((l) => l.msg === '考点管理系统已在进程内重新启动', 30_000)) },
    ];
    for (const m of moments) {
      it(`SIGKILL ${m.name}: the old data or the restored one, never a mix`, async () => {
        const dir = copyOfBaseline();
        const p = await start(dir);
        const admin = await adminOf(p);
        const reply = admin.post('/api/system/restore', { file: bakFile }).then(
          (r) => r.status,
          () => 0,
        );
        await m.wait(p, reply);
        const restarted = p.lines.some((l) => l.msg === '考点管理系统已在进程内重新启动');
        await p.crash();
        const status = await reply;
        const got = await restartAndCheck(dir);
        const which = got === fingerprintA ? 'restored' : got === fingerprintB ? 'old' : 'mixed';
        expect(which, 'exactly the old data or the restored data').to.not.equal('mixed');
        if (restarted) expect(which, 'a restore the host came back from is kept').to.equal('restored');
        if (status !== 200) expect(which, 'a restore never answered 200 changed nothing').to.equal('old');
        outcomes.restore!.push(which);
        fs.rmSync(dir, { recursive: true, force: true });
      });
    }
  });

  describe('系统备份', () => {
    let backupMs = 0;

    it('an uninterrupted backup (the reference time)', async () => {
      const dir = copyOfBaseline();
      const folder = makeTempDir('examsite-crash-bak-');
      const p = await start(dir);
      try {
        const r = await timedPost(p, '/api/system/backups', { folder, note: 'B' });
        expect(r.status).to.equal(200);
        backupMs = r.ms;
      } finally {
        await p.stop();
      }
      expect(fs.readdirSync(folder).filter((n) => n.endsWith('.bak'))).to.have.length(1);
      // eslint-disable-next-line no-console
      console.log(`      backup of state B: ${backupMs.toFixed(0)} ms, ${(fs.statSync(path.join(folder, fs.readdirSync(folder)[0]!)).size / 1048576).toFixed(1)} MB`);
      fs.rmSync(folder, { recursive: true, force: true });
      fs.rmSync(dir, { recursive: true, force: true });
    });

    for (const fraction of [0.2, 0.5, 0.85]) {
      it(`SIGKILL at ${fraction * 100} % of a backup: no half file listed, the next backup leaves none behind, the data is untouched`, async () => {
        const dir = copyOfBaseline();
        const folder = makeTempDir('examsite-crash-bak-');
        const p = await start(dir);
        const admin = await adminOf(p);
        const reply = admin.post('/api/system/backups', { folder, note: 'B' }).then(
          (r) => r.status,
          () => 0,
        );
        await sleep(backupMs * fraction);
        await p.crash();
        const status = await reply;
        const got = await restartAndCheck(dir, async (again) => {
          const a = await adminOf(again);
          const listed = await a.get<Listing[]>(`/api/system/backups?folder=${encodeURIComponent(folder)}`);
          expect(listed.status).to.equal(200);
          const complete = fs.readdirSync(folder).filter((n) => n.endsWith('.bak') && !n.startsWith('.'));
          // Only renamed files (renamed after the read-back check) are listed; parts never.
          expect(listed.body.map((l) => l.name)).to.deep.equal(complete);
          if (status === 200) expect(complete).to.have.length(1);
          outcomes.backup!.push(complete.length ? 'complete' : fs.readdirSync(folder).length ? 'part left' : 'nothing');
          expect((await a.post('/api/system/backups', { folder, note: 'again' })).status).to.equal(200);
          expect(fs.readdirSync(folder).filter((n) => n.endsWith('.part')), 'half-written backups after the next one').to.deep.equal([]);
        });
        expect(got).to.equal(fingerprintB);
        fs.rmSync(folder, { recursive: true, force: true });
        fs.rmSync(dir, { recursive: true, force: true });
      });
    }
  });

  describe('系统初始化', () => {
    let initMs = 0;
    const initialized = (dir: string): boolean =>
      readDb(dir, (db) => (db.prepare('SELECT COUNT(*) AS n FROM load_room').get() as { n: number }).n === 0 && db.prepare("SELECT value FROM core_setting WHERE key = 'siteCode'").get() === undefined);

    it('an uninterrupted initialization (the reference time)', async () => {
      const dir = copyOfBaseline();
      const p = await start(dir);
      const r = await timedPost(p, '/api/system/initialize', { confirmation: SITE });
      expect(r.status).to.equal(200);
      initMs = r.ms;
      await p.waitForLog((l) => l.msg === '考点管理系统已在进程内重新启动', 30_000);
      await p.stop();
      expect(initialized(dir)).to.equal(true);
      // eslint-disable-next-line no-console
      console.log(`      initialization: ${initMs.toFixed(0)} ms`);
      fs.rmSync(dir, { recursive: true, force: true });
    });

    for (const fraction of [0.1, 0.4, 0.8]) {
      it(`SIGKILL at ${fraction * 100} % of an initialization: the old state or the initialized one`, async () => {
        const dir = copyOfBaseline();
        const p = await start(dir);
        const admin = await adminOf(p);
        const reply = admin.post('/api/system/initialize', { confirmation: SITE }).then(
          (r) => r.status,
          () => 0,
        );
        await sleep(initMs * fraction);
        await p.crash();
        const status = await reply;
        const got = await restartAndCheck(dir);
        const which = initialized(dir) && loadedState(dir).codes.size === 0 ? 'initialized' : got === fingerprintB ? 'old' : 'mixed';
        expect(which).to.not.equal('mixed');
        if (status === 200) expect(which, 'an acknowledged initialization is kept').to.equal('initialized');
        outcomes.initialization!.push(which);
        fs.rmSync(dir, { recursive: true, force: true });
      });
    }
  });
});
