import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SWAP_JOURNAL } from '../../core/lifecycle/data-swap';
import { generateWrappingKeyPair } from '../../core/crypto/wrap';
import { TestClient } from '../../core/testing/http-client';
import { makeTempDir } from '../../core/testing/test-server';
import { buildPackage, newCentreKey } from '../integration/registration/site-harness';
import type { CentreSigningKey, BuiltPackage } from '../sim/centre/sim-types';
import { startCentreSimulator } from '../sim/centre/centre-simulator';
import type { ProctorCredentials } from '../sim/proctor/credentials-file';
import { ProctorApiError, ProctorClient } from '../sim/proctor/proctor-client';
import { answerBytesFor, subjectsOfSession, writeResultPackage, type WrittenResultPackage } from '../sim/proctor/result-package';
import { uploadResultOverHttp } from '../sim/proctor/result-upload';
import { uploadResultOverFtp } from '../sim/proctor/result-ftp-upload';
import { FuzzRandom } from '../fuzz/fuzz-random';
import { ProductProcess, filesUnder } from '../integration/product-process';
import { integrity, loadedState, readDb } from '../integration/site-state';
import { SoftDongle } from '../../core/dongle/soft-dongle';
import { BAK_DONGLE_LABEL, bakKey } from '../../plugins/system/server/backup/bak-format';
import { unsealBak } from '../fuzz/bak-mutators';

/**
 * Issue 15 point 1: the kill-anywhere harness. One prepared site folder (a release loaded,
 * proctors registered, one result receipted, a backup made) is copied for every run; the
 * real product starts on the copy, one activity starts, SIGKILL lands at a seeded random
 * moment, the product starts again on the same folder and the invariants are checked.
 */

export const KILL_SITE = '11003';
const MB = 1024 * 1024;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export const ACTIVITIES = ['package-import', 'registration-burst', 'upload-http', 'upload-ftp', 'manual-import', 'backup', 'restore', 'initialization', 'outbox'] as const;
export type Activity = (typeof ACTIVITIES)[number];

/** A result the site acknowledged with a receipt: it must survive any crash unchanged. */
export interface Acknowledged {
  readonly roomCode: string;
  readonly sessionNo: number;
  readonly sha256: string;
}

export interface KillFigures {
  runs: number;
  perActivity: Record<string, number>;
  /** Killed before the activity answered / after it answered (the kill fell on a quiet site). */
  killedInFlight: number;
  lost: number;
  changed: number;
  halfFiles: number;
  duplicateReports: number;
  resumeFailures: number;
  integrityFailures: number;
  otherFailures: number;
  failures: string[];
}

export function emptyFigures(): KillFigures {
  return { runs: 0, perActivity: {}, killedInFlight: 0, lost: 0, changed: 0, halfFiles: 0, duplicateReports: 0, resumeFailures: 0, integrityFailures: 0, otherFailures: 0, failures: [] };
}

export function formatKillFigures(f: KillFigures, seed: number): string {
  const per = Object.entries(f.perActivity)
    .map(([a, n]) => `${a} ${n}`)
    .join(', ');
  return `kill-anywhere: runs ${f.runs} (${per}), killed in flight ${f.killedInFlight}, lost ${f.lost}, changed ${f.changed}, half files ${f.halfFiles}, duplicate reports ${f.duplicateReports}, resume failures ${f.resumeFailures}, integrity failures ${f.integrityFailures}, other failures ${f.otherFailures} (seed ${seed})`;
}

/** The prepared folder and what every run needs to act on it. */
export interface KillBaseline {
  readonly work: string;
  readonly folder: string;
  /** The same folder before the release was loaded (for the package-import runs). */
  readonly emptyFolder: string;
  readonly key: CentreSigningKey;
  readonly pkg: BuiltPackage;
  readonly proctors: readonly ProctorCredentials[];
  /** Rooms nobody registered yet (the registration burst). */
  readonly freeRooms: readonly { roomCode: string; registrationCode: string }[];
  readonly acknowledged: readonly Acknowledged[];
  /** A package of proctors[1], session 1, not collected in the baseline. */
  readonly pending: WrittenResultPackage;
  readonly bakFile: string;
  readonly fingerprint: string;
}

export function startProduct(dataDir: string, key: CentreSigningKey, centre?: { url: string; keys: string[] }): Promise<ProductProcess> {
  return ProductProcess.start({ dataDir, centreKeys: [key.publicKey, ...(centre?.keys ?? [])], ...(centre ? { centreUrl: centre.url } : {}) });
}

async function adminOf(p: ProductProcess): Promise<TestClient> {
  const c = new TestClient(p.url);
  await c.login('admin', '888');
  return c;
}

function expectStatus(what: string, r: { status: number; body: unknown }, status = 200): void {
  if (r.status !== status) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
}

export async function prepareBaseline(): Promise<KillBaseline> {
  const work = makeTempDir('examsite-kill-');
  const folder = path.join(work, 'baseline');
  const emptyFolder = path.join(work, 'baseline-empty');
  fs.mkdirSync(folder);
  const key = newCentreKey();
  const centreResultKey = generateWrappingKeyPair();
  const pkg = await buildPackage(key, { resultEncryptionKey: centreResultKey.publicKey, rooms: 12 });
  const p = await startProduct(folder, key);
  try {
    const admin = await adminOf(p);
    expectStatus('settings', await admin.put('/api/settings', { siteCode: KILL_SITE, mode: 'mock' }));
    await p.stop();
    fs.cpSync(folder, emptyFolder, { recursive: true });
  } catch (e) {
    await p.stop();
    throw e;
  }
  const q = await startProduct(folder, key);
  try {
    const admin = await adminOf(q);
    expectStatus('import', await admin.post('/api/load/import', pkg.bytes, { 'content-type': 'application/zip' }));
    const rooms = (await admin.get<{ rooms: { roomCode: string; registrationCode: string }[] }>('/api/registration/rooms')).body.rooms;
    const proctors: ProctorClient[] = [];
    for (const r of rooms.slice(0, 2)) {
      const c = new ProctorClient(q.url);
      await c.register({ roomCode: r.roomCode, registrationCode: r.registrationCode, machineId: `pc-${r.roomCode}`, clientVersion: '1.0.0' });
      proctors.push(c);
    }
    const write = async (c: ProctorClient, bytes: number, name: string): Promise<WrittenResultPackage> => {
      const room = await c.room();
      const creds = c.credentials!;
      const subjects = subjectsOfSession(room, 1);
      return writeResultPackage(
        {
          siteCode: room.siteCode,
          mode: 'mock',
          roomCode: creds.roomCode,
          sessionNo: 1,
          registrationId: creds.registrationId,
          signingPrivateKeyPem: creds.signingPrivateKeyPem!,
          centreResultKey: room.resultEncryptionKey!,
          subjects,
          answerBytes: answerBytesFor(bytes, subjects),
        },
        path.join(work, 'packages', name),
      );
    };
    const collected = await write(proctors[0]!, 300_000, 'collected.zip');
    await uploadResultOverHttp(proctors[0]!, 1, collected.file, { sha256: collected.sha256 });
    const pending = await write(proctors[1]!, 6 * MB, 'pending.zip');
    const bakDir = path.join(work, 'backup-of-baseline');
    fs.mkdirSync(bakDir);
    const made = await admin.post<{ file: string }>('/api/system/backups', { folder: bakDir, note: 'kill-anywhere' });
    expectStatus('backup', made);
    const codes = (await admin.get<{ rooms: { roomCode: string; registrationCode: string }[] }>('/api/registration/rooms')).body.rooms;
    await q.stop();
    return {
      work,
      folder,
      emptyFolder,
      key,
      pkg,
      proctors: proctors.map((c) => c.credentials!),
      freeRooms: codes.slice(2),
      acknowledged: [{ roomCode: proctors[0]!.credentials!.roomCode, sessionNo: 1, sha256: collected.sha256 }],
      pending,
      bakFile: made.body.file,
      fingerprint: loadedState(folder).fingerprint,
    };
  } catch (e) {
    await q.stop();
    throw new Error(`${(e as Error).message}\nlog: ${q.lines.slice(-5).map((l) => l.msg).join(' | ')}`);
  }
}

/** What one run leaves for the checks after the restart. */
interface RunState {
  readonly dir: string;
  readonly acknowledged: Acknowledged[];
  /** Whether the activity's request was answered before the kill, and with what. */
  answered: number | null;
  uploadUrl: string | null;
  registered: ProctorCredentials[];
  backupFolder: string | null;
  outboxKeys: string[];
}

const OUTBOX_KIND = 'kill-anywhere';

function seedOutbox(dir: string, keys: readonly string[]): void {
  const db = new Database(path.join(dir, 'examsite.sqlite'));
  try {
    const now = new Date().toISOString();
    const insert = db.prepare(
      'INSERT INTO centre_outbox (idempotencyKey, kind, siteCode, mode, payload, createdAt, attempts, nextAttemptAt, lastError, deliveredAt, ackAt) VALUES (?, ?, ?, ?, ?, ?, 0, ?, NULL, NULL, NULL)',
    );
    for (const [i, k] of keys.entries()) insert.run(k, OUTBOX_KIND, KILL_SITE, 'mock', JSON.stringify({ n: i }), now, now);
  } finally {
    db.close();
  }
}

function collectedRows(dir: string): { roomCode: string; sessionNo: number; packageSha256: string; file: string }[] {
  return readDb(dir, (db) => db.prepare('SELECT roomCode, sessionNo, packageSha256, file FROM collection_result ORDER BY roomCode, sessionNo').all() as never);
}

function sha256File(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** Kill windows per activity (ms after the request went out): a little over its uninterrupted length. */
const WINDOW_MS: Record<Activity, number> = {
  // Measured answers on the 2-core test machine (uptime ~4): import ~260 ms, burst ~420,
  // HTTP ~1100, FTP ~600, manual ~560, backup ~150; a restore and an initialization answer
  // within ~100 ms and then stop, swap and restart the host, which the window covers.
  'package-import': 400,
  'registration-burst': 500,
  'upload-http': 1300,
  'upload-ftp': 800,
  'manual-import': 700,
  backup: 250,
  restore: 900,
  initialization: 700,
  outbox: 3000,
};

/**
 * One run: copy, start, act, SIGKILL after a seeded delay, restart, check. Every broken
 * invariant is counted in `f` (with a line in f.failures) instead of stopping the campaign.
 */
export async function killRun(b: KillBaseline, activity: Activity, rnd: FuzzRandom, runNo: number, f: KillFigures): Promise<string> {
  const dir = path.join(b.work, `run-${runNo}`);
  fs.cpSync(activity === 'package-import' ? b.emptyFolder : b.folder, dir, { recursive: true });
  const state: RunState = { dir, acknowledged: activity === 'package-import' ? [] : [...b.acknowledged], answered: null, uploadUrl: null, registered: [], backupFolder: null, outboxKeys: [] };
  const fail = (kind: keyof Omit<KillFigures, 'runs' | 'perActivity' | 'failures' | 'killedInFlight'>, detail: string): void => {
    f[kind]++;
    f.failures.push(`run ${runNo} ${activity}: ${kind}: ${detail}`);
  };
  const delay = rnd.int(WINDOW_MS[activity]);
  const sim = activity === 'outbox' ? await startCentreSimulator({ dataDir: path.join(b.work, `sim-${runNo}`) }) : null;
  const centre = sim ? { url: sim.url, keys: sim.keys.split(',') } : undefined;
  try {
    if (sim) {
      state.outboxKeys = Array.from({ length: 12 }, (_, i) => `${OUTBOX_KIND}:${runNo}:${String(i).padStart(3, '0')}`);
      seedOutbox(dir, state.outboxKeys);
      sim.setFault({ mode: 'slow', delayMs: 150, only: '/v1/reports' });
    }
    const p = await startProduct(dir, b.key, centre);
    const admin = await adminOf(p);
    const answered = (r: Promise<{ status: number }>): Promise<void> =>
      r.then(
        (x) => void (state.answered = x.status),
        () => undefined,
      );
    let work: Promise<void> = Promise.resolve();
    const proctor = (i: number): ProctorClient => new ProctorClient(p.url, { ...b.proctors[i]!, siteUrl: p.url });
    switch (activity) {
      case 'package-import':
        work = answered(admin.post('/api/load/import', b.pkg.bytes, { 'content-type': 'application/zip' }));
        break;
      case 'registration-burst':
        work = Promise.all(
          b.freeRooms.map(async (r) => {
            const c = new ProctorClient(p.url);
            try {
              await c.register({ roomCode: r.roomCode, registrationCode: r.registrationCode, machineId: `burst-${r.roomCode}`, clientVersion: '1.0.0' });
              state.registered.push(c.credentials!);
            } catch {
              // cut by the kill: not acknowledged
            }
          }),
        ).then(() => undefined);
        break;
      case 'upload-http':
        work = uploadResultOverHttp(proctor(1), 1, b.pending.file, { sha256: b.pending.sha256, chunkSize: 1 * MB, retryDelays: [], onUploadUrl: (u) => (state.uploadUrl = u) }).then(
          () => void state.acknowledged.push({ roomCode: b.proctors[1]!.roomCode, sessionNo: 1, sha256: b.pending.sha256 }),
          () => undefined,
        );
        break;
      case 'upload-ftp':
        work = uploadResultOverFtp(proctor(1), 1, b.pending.file, { size: b.pending.size, sha256: b.pending.sha256 }).then(
          () => void state.acknowledged.push({ roomCode: b.proctors[1]!.roomCode, sessionNo: 1, sha256: b.pending.sha256 }),
          () => undefined,
        );
        break;
      case 'manual-import':
        work = admin.post('/api/collection/import?name=pending.zip', fs.readFileSync(b.pending.file), { 'content-type': 'application/zip' }).then(
          (r) => {
            state.answered = r.status;
            if (r.status === 200) state.acknowledged.push({ roomCode: b.proctors[1]!.roomCode, sessionNo: 1, sha256: b.pending.sha256 });
          },
          () => undefined,
        );
        break;
      case 'backup':
        state.backupFolder = path.join(b.work, `bak-${runNo}`);
        fs.mkdirSync(state.backupFolder);
        work = answered(admin.post('/api/system/backups', { folder: state.backupFolder, note: `run ${runNo}` }));
        break;
      case 'restore':
        work = answered(admin.post('/api/system/restore', { file: b.bakFile }));
        break;
      case 'initialization':
        work = answered(admin.post('/api/system/initialize', { confirmation: KILL_SITE }));
        break;
      case 'outbox':
        break;
    }
    const t0 = performance.now();
    let settledMs: number | null = null;
    if (activity === 'outbox') work = waitUntil(() => sim!.reports(OUTBOX_KIND).length >= state.outboxKeys.length, 30_000);
    void work.then(() => (settledMs = performance.now() - t0));
    await sleep(delay);
    const answeredAtKill: number | null = settledMs;
    if (answeredAtKill === null) f.killedInFlight++;
    await p.crash();
    await Promise.race([work, sleep(2000)]);
    if (sim) sim.setFault({ mode: 'none' });
    const line = await checkAfterRestart(b, activity, state, centre, sim, fail);
    return `kill at ${delay} ms${answeredAtKill === null ? ' (in flight)' : ` (answered at ${Math.round(answeredAtKill)} ms)`}: ${line}`;
  } finally {
    await sim?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
    if (state.backupFolder) fs.rmSync(state.backupFolder, { recursive: true, force: true });
    if (sim) fs.rmSync(path.join(b.work, `sim-${runNo}`), { recursive: true, force: true });
  }
}

type Fail = (kind: 'lost' | 'changed' | 'halfFiles' | 'duplicateReports' | 'resumeFailures' | 'integrityFailures' | 'otherFailures', detail: string) => void;

async function checkAfterRestart(
  b: KillBaseline,
  activity: Activity,
  s: RunState,
  centre: { url: string; keys: string[] } | undefined,
  sim: Awaited<ReturnType<typeof startCentreSimulator>> | null,
  fail: Fail,
): Promise<string> {
  const dir = s.dir;
  // A committed swap journal (kill inside a restore's renames) is finished by the next start.
  if (!fs.existsSync(path.join(dir, SWAP_JOURNAL))) {
    const ok = integrity(dir);
    if (ok !== 'ok') fail('integrityFailures', `before the restart: ${ok}`);
  }
  let outcome = '';
  const q = await startProduct(dir, b.key, centre);
  try {
    const admin = await adminOf(q);
    if (activity === 'upload-http' || activity === 'upload-ftp' || activity === 'manual-import') {
      // The interrupted upload (or import) is completed: the receipt names the right hash.
      const c = new ProctorClient(q.url, { ...b.proctors[1]!, siteUrl: q.url });
      try {
        let sha: string;
        if (activity === 'upload-http') {
          const url = s.uploadUrl ? new URL(new URL(s.uploadUrl).pathname, q.url).toString() : null;
          sha = await resumeOverHttp(c, url, b.pending);
        } else if (activity === 'upload-ftp') {
          const r = await uploadResultOverFtp(c, 1, b.pending.file, { size: b.pending.size, sha256: b.pending.sha256 });
          sha = String((r.receipt as { body?: { packageSha256?: string } }).body?.packageSha256);
        } else {
          const r = await admin.post<{ receipt: { body?: { packageSha256?: string } } }>('/api/collection/import?name=pending.zip', fs.readFileSync(b.pending.file), { 'content-type': 'application/zip' });
          if (r.status !== 200) throw new Error(`${r.status} ${JSON.stringify(r.body)}`);
          sha = String(r.body.receipt.body?.packageSha256);
        }
        if (sha !== b.pending.sha256) fail('resumeFailures', `receipt hash ${sha}, package ${b.pending.sha256}`);
        s.acknowledged.push({ roomCode: b.proctors[1]!.roomCode, sessionNo: 1, sha256: b.pending.sha256 });
      } catch (e) {
        fail('resumeFailures', (e as Error).message);
      }
    }
    if (activity === 'registration-burst') {
      for (const creds of s.registered) {
        try {
          await new ProctorClient(q.url, { ...creds, siteUrl: q.url }).room();
        } catch (e) {
          fail('lost', `acknowledged registration of ${creds.roomCode}: ${(e as Error).message}`);
        }
      }
      outcome = `${s.registered.length} of ${b.freeRooms.length} registrations acknowledged`;
    }
    if (activity === 'backup' && s.backupFolder) {
      const listed = await admin.get<{ name: string }[]>(`/api/system/backups?folder=${encodeURIComponent(s.backupFolder)}`);
      const complete = fs.readdirSync(s.backupFolder).filter((n) => n.endsWith('.bak') && !n.startsWith('.'));
      const names = listed.status === 200 ? listed.body.map((l) => l.name).sort() : [];
      if (JSON.stringify(names) !== JSON.stringify(complete.sort())) fail('halfFiles', `listed ${names.join(',')} but complete ${complete.join(',')}`);
      // Every listed backup opens completely under the site's key (read here, not by the product).
      const key = bakKey(await (await SoftDongle.open(dir)).deriveKey(BAK_DONGLE_LABEL), KILL_SITE);
      for (const n of names) if (unsealBak(fs.readFileSync(path.join(s.backupFolder, n)), key) === null) fail('halfFiles', `listed backup ${n} does not open to its end`);
      if (s.answered === 200 && complete.length !== 1) fail('lost', 'an acknowledged backup is not in its folder');
      const again = await admin.post('/api/system/backups', { folder: s.backupFolder, note: 'again' });
      if (again.status !== 200) fail('resumeFailures', `the next backup: ${again.status} ${JSON.stringify(again.body)}`);
      const parts = fs.readdirSync(s.backupFolder).filter((n) => !n.endsWith('.bak'));
      if (parts.length) fail('halfFiles', `left in the backup folder after the next backup: ${parts.join(',')}`);
      outcome = complete.length ? 'backup complete' : 'no backup';
    }
    if (activity === 'outbox' && sim) {
      const t0 = Date.now();
      const pending = (): number => readDbLive(dir);
      while (pending() > 0 && Date.now() - t0 < 20_000) await sleep(50);
      const records = sim.reports(OUTBOX_KIND);
      const keys = records.map((r) => r.idempotencyKey);
      for (const [i, k] of s.outboxKeys.entries()) {
        const mine = records.filter((r) => r.idempotencyKey === k);
        if (mine.length === 0) fail('lost', `report ${k} never reached the centre`);
        if (mine.length > 1) fail('duplicateReports', `report ${k} recorded ${mine.length} times`);
        if (mine.some((r) => JSON.stringify(r.payload) !== JSON.stringify({ n: i }))) fail('changed', `report ${k} arrived with another payload`);
      }
      // A report re-sent under another id would be a second report to the centre.
      const strangers = keys.filter((k) => !s.outboxKeys.includes(k));
      if (strangers.length) fail('duplicateReports', `reports under unknown ids: ${strangers.slice(0, 3).join(', ')}`);
      outcome = `${records.filter((r) => r.receivedCount > 1).length} re-sent and deduplicated`;
    }
  } catch (e) {
    fail('otherFailures', `after the restart: ${(e as Error).message}`);
  } finally {
    const exit = await q.stop();
    if (exit.code !== 0) fail('otherFailures', `the restarted product exited with ${String(exit.code)} ${String(exit.signal)}`);
  }
  const ok = integrity(dir);
  if (ok !== 'ok') fail('integrityFailures', ok);
  const initialized = readDb(dir, (db) => (db.prepare('SELECT COUNT(*) AS n FROM load_room').get() as { n: number }).n === 0);
  // Acknowledged results: there, unchanged, their file hashing to the receipt (an initialization wipes them by design).
  if (!(activity === 'initialization' && initialized)) {
    const rows = collectedRows(dir);
    for (const a of s.acknowledged) {
      const row = rows.find((r) => r.roomCode === a.roomCode && r.sessionNo === a.sessionNo);
      if (!row) fail('lost', `result ${a.roomCode}/${a.sessionNo}`);
      else if (row.packageSha256 !== a.sha256) fail('changed', `result ${a.roomCode}/${a.sessionNo}: ${row.packageSha256}`);
      else {
        const file = path.join(dir, 'plugins', 'collection', row.file);
        if (!fs.existsSync(file) || sha256File(file) !== a.sha256) fail('changed', `the file of ${a.roomCode}/${a.sessionNo}`);
      }
    }
  }
  // No half-written file anywhere: content as referenced, no temp or staging left.
  const state = loadedState(dir);
  const contentDir = path.join(dir, 'plugins', 'load', 'content');
  const content = fs.existsSync(contentDir) ? fs.readdirSync(contentDir).sort() : [];
  const expected = state.contentShas.map((c) => `${c}.bin`).sort();
  if (JSON.stringify(content) !== JSON.stringify(expected)) fail('halfFiles', `content folder ${content.length} files, ${expected.length} referenced`);
  for (const c of state.contentShas) if (fs.existsSync(path.join(contentDir, `${c}.bin`)) && sha256File(path.join(contentDir, `${c}.bin`)) !== c) fail('halfFiles', `content ${c}.bin`);
  const temps = filesUnder(dir).filter((x) => x.endsWith('.tmp') || x.endsWith('.part') || x.split(path.sep).includes('.tmp') || x.startsWith('.swap-staging'));
  if (temps.length) fail('halfFiles', `left after the restart: ${temps.slice(0, 3).join(', ')}`);
  if (activity === 'package-import' || activity === 'restore') {
    const which = state.fingerprint === b.fingerprint ? 'complete' : state.manifestSha256 === null ? 'empty' : 'mixed';
    if (which === 'mixed') fail('changed', `${activity} left a mix of releases`);
    if (activity === 'package-import' && s.answered === 200 && which !== 'complete') fail('lost', 'an acknowledged import is gone');
    if (activity === 'restore' && which !== 'complete') fail('changed', 'restore of the baseline backup changed the data');
    outcome = which;
  }
  if (activity === 'initialization') outcome = initialized ? 'initialized' : 'old';
  return outcome || 'ok';
}

/**
 * Resumes a tus upload after the crash. When every byte had been stored but the site died
 * before it answered the last PATCH, HEAD says "complete" and no receipt comes with it:
 * the proctor then asks …/accept for it (docs/proctor-protocol.md).
 */
async function resumeOverHttp(c: ProctorClient, uploadUrl: string | null, pkg: WrittenResultPackage): Promise<string> {
  const receiptSha = (receipt: Record<string, unknown>): string => String((receipt as { body?: { packageSha256?: string } }).body?.packageSha256);
  try {
    return receiptSha((await uploadResultOverHttp(c, 1, pkg.file, { sha256: pkg.sha256, chunkSize: 1 * MB, uploadUrl })).receipt);
  } catch (e) {
    if (!(e instanceof ProctorApiError) || e.code !== 'NO_RECEIPT' || !uploadUrl) throw e;
    const r = await fetch(`${uploadUrl}/accept`, { method: 'POST', headers: c.authHeader() });
    const body = (await r.json()) as { receipt: Record<string, unknown> };
    if (r.status !== 200) throw new Error(`accept: ${r.status} ${JSON.stringify(body)}`);
    return receiptSha(body.receipt);
  }
}

async function waitUntil(test: () => boolean, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  while (!test() && Date.now() - t0 < timeoutMs) await sleep(20);
}

function readDbLive(dir: string): number {
  return readDb(dir, (d) => (d.prepare("SELECT COUNT(*) AS n FROM centre_outbox WHERE deliveredAt IS NULL").get() as { n: number }).n);
}

/** EXAMSITE_KILL_RUNS (default 10), EXAMSITE_KILL_SEED (default: from the clock), EXAMSITE_KILL_ACTIVITY (only that one). */
export function killOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): { runs: number; seed: number; activities: readonly Activity[] } {
  const runs = Number(env.EXAMSITE_KILL_RUNS ?? 10);
  const only = ACTIVITIES.find((a) => a === env.EXAMSITE_KILL_ACTIVITY);
  return {
    runs: Number.isInteger(runs) && runs > 0 ? runs : 10,
    seed: Number(env.EXAMSITE_KILL_SEED ?? Date.now() % 1_000_000_007) >>> 0,
    activities: only ? [only] : ACTIVITIES,
  };
}

export function randomForRun(seed: number, runNo: number): FuzzRandom {
  return FuzzRandom.forCase(seed, 'kill-anywhere', runNo);
}
