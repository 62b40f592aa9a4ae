import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { makeTempDir } from '../../core/testing/test-server';
import { startCentreSimulator } from '../sim/centre/centre-simulator';
import type { BuiltPackage } from '../sim/centre/sim-types';
import { ProductProcess } from './product-process';
import { CRASH_SITE as SITE, adminOf, centreKey, contentCount, crashReleases, expectFilesClean, integrity, loadedState, readDb, sqliteFile, type LoadedState } from './site-state';

/**
 * §5 "Killing the process at any moment (mid-import …) loses no committed data": the real
 * product runs as a child process and is SIGKILLed while it imports a newer release, while
 * proctors register, and while the outbox delivers reports; it must then start again on the
 * same data folder with an intact database holding exactly the committed state.
 */

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('§5 crash safety: SIGKILL of the real product process loses no committed data', function () {
  this.timeout(120_000);
  const key = centreKey();
  const work = makeTempDir('examsite-crash-');
  const baseline = path.join(work, 'baseline');
  let older: BuiltPackage;
  let newer: BuiltPackage;
  let oldState: LoadedState;
  let copies = 0;

  const copyOfBaseline = (): string => {
    const dir = path.join(work, `run-${++copies}`);
    fs.cpSync(baseline, dir, { recursive: true });
    return dir;
  };
  const start = (dataDir: string, extra: { centreUrl?: string; centreKeys?: string[] } = {}): Promise<ProductProcess> =>
    ProductProcess.start({ dataDir, centreKeys: extra.centreKeys ?? [key.publicKey], centreUrl: extra.centreUrl });

  before(async () => {
    ({ older, newer } = await crashReleases(key));
    fs.mkdirSync(baseline);
    const p = await start(baseline);
    try {
      const admin = await adminOf(p);
      expect((await admin.put('/api/settings', { siteCode: SITE, mode: 'mock' })).status).to.equal(200);
      const r = await admin.post('/api/load/import', older.bytes, { 'content-type': 'application/zip' });
      expect(r.status, JSON.stringify(r.body)).to.equal(200);
    } finally {
      expect((await p.stop()).code).to.equal(0);
    }
    oldState = loadedState(baseline);
    expect(oldState.codes.size).to.equal(60);
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  describe('mid-import of a newer release', () => {
    let newFingerprint: string;
    let importMs: number;
    let contentWrittenMs: number;
    const outcomes: string[] = [];

    /** Restart on the crashed folder and check everything; returns which release survived. */
    async function restartAndCheck(dataDir: string): Promise<'old' | 'new'> {
      // The raw state the crash left, before any recovery by the product.
      expect(integrity(dataDir)).to.equal('ok');
      const p = await start(dataDir);
      let sweptLog: unknown;
      try {
        const admin = await adminOf(p);
        const rooms = await admin.get<{ rooms: { roomCode: string }[]; release: { releaseTime: string } | null }>('/api/load/rooms');
        expect(rooms.status).to.equal(200);
        const codes = rooms.body.rooms.map((r) => r.roomCode);
        expect(codes).to.deep.equal(codes.length === 60 ? older.roomCodes : newer.roomCodes);
        sweptLog = p.lines.find((l) => l.msg.includes('已清理未提交的试题文件'))?.swept;
      } finally {
        expect((await p.stop()).code).to.equal(0);
      }
      expect(integrity(dataDir)).to.equal('ok');
      const state = loadedState(dataDir);
      const which = state.fingerprint === oldState.fingerprint ? 'old' : state.fingerprint === newFingerprint ? 'new' : 'mixed';
      expect(which, 'the data is exactly the old or the new release').to.not.equal('mixed');
      // Kept rooms keep their registration codes, whichever release survived.
      for (const [room, code] of oldState.codes) expect(state.codes.get(room), `注册码 ${room}`).to.equal(code);
      expectFilesClean(dataDir, state);
      outcomes.push(`${which}${sweptLog ? ` (swept ${String(sweptLog)})` : ''}`);
      return which as 'old' | 'new';
    }

    it('measures an uninterrupted import of the newer release (the reference "new" state)', async () => {
      const dir = copyOfBaseline();
      const p = await start(dir);
      try {
        const admin = await adminOf(p);
        const before = contentCount(dir);
        const t0 = performance.now();
        const watch = (async () => {
          while (contentCount(dir) < before + 4) await sleep(1);
          return performance.now() - t0;
        })();
        const r = await admin.post('/api/load/import', newer.bytes, { 'content-type': 'application/zip' });
        importMs = performance.now() - t0;
        expect(r.status, JSON.stringify(r.body)).to.equal(200);
        contentWrittenMs = await watch;
      } finally {
        expect((await p.stop()).code).to.equal(0);
      }
      const state = loadedState(dir);
      expect(state.codes.size).to.equal(newer.roomCodes.length);
      newFingerprint = state.fingerprint;
      expectFilesClean(dir, state);
      // eslint-disable-next-line no-console
      console.log(`      import of ${(newer.bytes.length / 1048576).toFixed(1)} MB: ${importMs.toFixed(0)} ms; new content files on disk at ${contentWrittenMs.toFixed(0)} ms`);
      fs.rmSync(dir, { recursive: true, force: true });
    });

    // Moments: during the upload/verification, right after the content files (the DB
    // transaction runs next), spread across the transaction, and after the reply.
    const moments: { name: string; at: (t: { importMs: number; contentWrittenMs: number }) => { afterContent: boolean; ms: number } | 'after-commit' | 'after-reply' }[] = [
      { name: 'during upload and verification', at: (t) => ({ afterContent: false, ms: t.contentWrittenMs * 0.4 }) },
      { name: 'just after the content files, before the transaction', at: () => ({ afterContent: true, ms: 0 }) },
      { name: 'half-way through the transaction', at: (t) => ({ afterContent: true, ms: (t.importMs - t.contentWrittenMs) * 0.5 }) },
      { name: 'around the commit', at: (t) => ({ afterContent: true, ms: (t.importMs - t.contentWrittenMs) * 0.8 }) },
      { name: 'just after the commit, while the replaced content files are removed', at: () => 'after-commit' },
      { name: 'right after the reply', at: () => 'after-reply' },
    ];
    for (const m of moments) {
      it(`SIGKILL ${m.name}: restarts, integrity ok, exactly the old or the new release, no orphan files`, async () => {
        const dir = copyOfBaseline();
        const p = await start(dir);
        const admin = await adminOf(p);
        const before = contentCount(dir);
        const at = m.at({ importMs, contentWrittenMs });
        const reply = admin.post('/api/load/import', newer.bytes, { 'content-type': 'application/zip' }).then(
          (r) => r.status,
          () => 0,
        );
        let status = 0;
        if (at === 'after-reply') status = await reply;
        else if (at === 'after-commit') {
          // The old release's files go only after the commit: the first one gone marks it.
          while (contentCount(dir) < before + 4 && p.child.exitCode === null) await sleep(1);
          while (contentCount(dir) === before + 4 && p.child.exitCode === null) await sleep(1);
        } else {
          if (at.afterContent) while (contentCount(dir) < before + 4 && p.child.exitCode === null) await sleep(1);
          await sleep(at.ms);
        }
        await p.crash();
        const which = await restartAndCheck(dir);
        if (at === 'after-commit') expect(which, 'a committed import is kept').to.equal('new');
        if (status === 200) expect(which, 'an acknowledged import is kept').to.equal('new');
        fs.rmSync(dir, { recursive: true, force: true });
      });
    }

    after(() => {
      // eslint-disable-next-line no-console
      console.log(`      outcomes: ${outcomes.join(', ')}`);
    });
  });

  it('SIGKILL during a proctor registration burst: every acknowledged registration survives with a working credential', async () => {
    const dir = copyOfBaseline();
    const p = await start(dir);
    const rooms = [...oldState.codes.entries()];
    const acked = new Map<string, { token: string; registrationId: string }>();
    let next = 0;
    let killed = false;
    const worker = async (): Promise<void> => {
      while (!killed && next < rooms.length) {
        const [roomCode, registrationCode] = rooms[next++]!;
        try {
          const r = await fetch(`${p.url}/api/proctor/v1/register`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ roomCode, registrationCode, machineId: `pc-${roomCode}`, clientVersion: '1.0.0' }),
          });
          if (r.status === 200) {
            const body = (await r.json()) as { token: string; registrationId: string };
            acked.set(roomCode, body);
          }
        } catch {
          // the process died under this request: not acknowledged
        }
      }
    };
    const workers = Array.from({ length: 4 }, worker);
    while (acked.size < 10) await sleep(1);
    killed = true;
    await p.crash();
    await Promise.all(workers);
    expect(acked.size).to.be.within(10, rooms.length - 1);
    expect(integrity(dir)).to.equal('ok');

    const q = await start(dir);
    try {
      for (const [roomCode, a] of acked) {
        const who = await fetch(`${q.url}/api/proctor/v1/whoami`, { headers: { authorization: `Bearer ${a.token}` } });
        expect(who.status, `凭证 ${roomCode}`).to.equal(200);
        expect(((await who.json()) as { registrationId: string }).registrationId).to.equal(a.registrationId);
      }
      // Every proctor PC registers again after the restart. An acknowledged one shows its
      // credential and keeps its registration. An unacknowledged one gets a new registration
      // when its own had not committed; when it had, the room is taken by a credential nobody
      // received, and only the administrator's revoke frees it (machineId is no secret).
      const committed = new Set(
        readDb(dir, (db) => db.prepare('SELECT roomCode FROM registration_room').all() as { roomCode: string }[]).map((r) => r.roomCode),
      );
      for (const [roomCode, registrationCode] of rooms) {
        const held = acked.get(roomCode);
        const r = await fetch(`${q.url}/api/proctor/v1/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(held ? { authorization: `Bearer ${held.token}` } : {}) },
          body: JSON.stringify({ roomCode, registrationCode, machineId: `pc-${roomCode}`, clientVersion: '1.0.0' }),
        });
        if (!held && committed.has(roomCode)) {
          expect(r.status, `未收到应答但已提交的注册 ${roomCode}`).to.equal(409);
          continue;
        }
        expect(r.status, `重新注册 ${roomCode}`).to.equal(200);
        const body = (await r.json()) as { registrationId: string; alreadyRegistered: boolean };
        if (held) {
          expect(body.alreadyRegistered).to.equal(true);
          expect(body.registrationId).to.equal(held.registrationId);
        }
      }
    } finally {
      expect((await q.stop()).code).to.equal(0);
    }
    expect(integrity(dir)).to.equal('ok');
    const rows = readDb(dir, (db) => db.prepare('SELECT roomCode, machineId FROM registration_room').all() as { roomCode: string; machineId: string }[]);
    expect(rows).to.have.length(rooms.length);
    for (const r of rows) expect(r.machineId).to.equal(`pc-${r.roomCode}`);
    expect(loadedState(dir).fingerprint).to.equal(oldState.fingerprint);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('SIGKILL during outbox delivery: after the restart every report reaches the centre exactly once (deduplicated by key)', async () => {
    const dir = copyOfBaseline();
    const simDir = makeTempDir('examsite-crash-sim-');
    const sim = await startCentreSimulator({ dataDir: simDir });
    const REPORTS = 12;
    const keys = Array.from({ length: REPORTS }, (_, i) => `crash-test:${SITE}:${String(i).padStart(3, '0')}`);
    try {
      // Reports committed to the outbox before the start (as a plugin's enqueue leaves them).
      const db = new Database(sqliteFile(dir));
      try {
        const now = new Date().toISOString();
        const insert = db.prepare(
          'INSERT INTO centre_outbox (idempotencyKey, kind, siteCode, mode, payload, createdAt, attempts, nextAttemptAt, lastError, deliveredAt, ackAt) VALUES (?, ?, ?, ?, ?, ?, 0, ?, NULL, NULL, NULL)',
        );
        for (const [i, k] of keys.entries()) insert.run(k, 'crash-test', SITE, 'mock', JSON.stringify({ n: i }), now, now);
      } finally {
        db.close();
      }
      // Each centre reply takes a while, so the kill lands with reports in flight.
      sim.setFault({ mode: 'slow', delayMs: 120, only: '/v1/reports' });
      const centreKeys = [key.publicKey, ...sim.keys.split(',')];
      const p = await start(dir, { centreUrl: sim.url, centreKeys });
      const t0 = Date.now();
      while (sim.reports('crash-test').length < 4 && Date.now() - t0 < 15_000) await sleep(5);
      await p.crash();
      const beforeRestart = sim.reports('crash-test').length;
      expect(beforeRestart).to.be.within(4, REPORTS - 1);
      expect(integrity(dir)).to.equal('ok');
      // Whatever the site recorded as delivered, the centre really has.
      const deliveredBefore = readDb(dir, (d) => d.prepare('SELECT idempotencyKey FROM centre_outbox WHERE deliveredAt IS NOT NULL').all() as { idempotencyKey: string }[]);
      const received = new Set(sim.reports('crash-test').map((r) => r.idempotencyKey));
      for (const r of deliveredBefore) expect(received.has(r.idempotencyKey), r.idempotencyKey).to.equal(true);

      sim.setFault({ mode: 'none' });
      const q = await start(dir, { centreUrl: sim.url, centreKeys });
      try {
        const t1 = Date.now();
        while (Date.now() - t1 < 15_000) {
          const pending = await fetchPending(q);
          if (pending === 0) break;
          await sleep(50);
        }
      } finally {
        expect((await q.stop()).code).to.equal(0);
      }
      const rows = readDb(dir, (d) => d.prepare("SELECT idempotencyKey, payload, deliveredAt FROM centre_outbox WHERE kind = 'crash-test' ORDER BY id").all() as {
        idempotencyKey: string;
        payload: string;
        deliveredAt: string | null;
      }[]);
      expect(rows.map((r) => r.idempotencyKey)).to.deep.equal(keys);
      for (const r of rows) expect(r.deliveredAt, r.idempotencyKey).to.be.a('string');
      const reports = sim.reports('crash-test');
      expect(reports.map((r) => r.idempotencyKey).sort()).to.deep.equal(keys);
      for (const r of reports) expect(r.payload).to.deep.equal({ n: keys.indexOf(r.idempotencyKey) });
      // One sender, one report in flight: at most one report is sent twice, and the
      // centre counts it once.
      const resent = reports.filter((r) => r.receivedCount > 1);
      expect(resent.length).to.be.at.most(1);
      // eslint-disable-next-line no-console
      console.log(`      reports: ${beforeRestart} received before the kill, ${reports.length} after the restart, ${resent.length} re-sent once and deduplicated`);
    } finally {
      await sim.stop();
      fs.rmSync(simDir, { recursive: true, force: true });
      fs.rmSync(dir, { recursive: true, force: true });
    }

    /** Pending reports, read through the product's own database file (read-only). */
    async function fetchPending(_q: ProductProcess): Promise<number> {
      return readDb(dir, (d) => (d.prepare('SELECT COUNT(*) AS n FROM centre_outbox WHERE deliveredAt IS NULL').get() as { n: number }).n);
    }
  });
});
