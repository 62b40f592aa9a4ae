import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import AdmZip from 'adm-zip';
import { generateSigningKeyPair } from '../core/crypto';
import { TestClient } from '../core/testing/http-client';
import { makeTempDir, startTestServer } from '../core/testing/test-server';
import { plugin as loadPlugin } from '../plugins/load/server/plugin';
import type { PackageRoomFile, PackageManifest } from '../plugins/load/api/package-format';
import { buildSitePackage, defaultSessions } from '../test/sim/centre/package-builder';
import type { Bench } from './run';

const ROOMS = 200;
const CANDIDATES = 60;
const SESSIONS = 4;
const TARGET_MS = 3000;

/**
 * Quality bar §4 "Load": a package of 200 rooms × 60 candidates × 4 sessions verified and
 * imported (over HTTP, as the manual import does) ≤ 3 s, printed with its ratio to a
 * plain bulk insert of the same rows into SQLite measured in the same run.
 */
export const loadBench: Bench = {
  summary: `导入 ${ROOMS} 考场 × ${CANDIDATES} 考生 × ${SESSIONS} 场次的考场数据包 / import a ${ROOMS}×${CANDIDATES}×${SESSIONS} package`,
  async run(_args, report) {
    const key = generateSigningKeyPair();
    const centreKey = { keyId: key.keyId, publicKey: key.publicKey, privateKeyPem: key.privateKeyPem };
    const spec = {
      siteCode: '11003',
      mode: 'mock' as const,
      rooms: ROOMS,
      candidatesPerRoom: CANDIDATES,
      sessions: defaultSessions(SESSIONS),
      releaseTime: '2026-12-01T10:00:00+08:00',
      seed: 1,
    };
    let t = performance.now();
    const pkg = await buildSitePackage(spec, centreKey);
    const second = await buildSitePackage({ ...spec, releaseTime: '2026-12-02T10:00:00+08:00', seed: 2 }, centreKey);
    const buildMs = performance.now() - t;
    const rows = rowsOf(pkg.bytes);
    line(`package: ${(pkg.bytes.length / 1024 / 1024).toFixed(1)} MB, ${rows.candidates.length} candidate rows (generated in ${ms(buildMs / 2)} each, not counted)`);

    const dataDir = makeTempDir('examsite-bench-load-');
    const server = await startTestServer({ plugins: [loadPlugin], dataDir, config: { centreKeys: [key.publicKey] } });
    let importMs: number;
    let replaceMs: number;
    try {
      const client = new TestClient(server.url);
      await client.login();
      await client.put('/api/settings', { siteCode: '11003', mode: 'mock' });
      t = performance.now();
      const r1 = await client.post('/api/load/import', pkg.bytes, { 'content-type': 'application/zip' });
      importMs = performance.now() - t;
      if (r1.status !== 200) throw new Error(`import failed: ${r1.status} ${JSON.stringify(r1.body)}`);
      t = performance.now();
      const r2 = await client.post('/api/load/import', second.bytes, { 'content-type': 'application/zip' });
      replaceMs = performance.now() - t;
      if (r2.status !== 200) throw new Error(`replacement failed: ${r2.status} ${JSON.stringify(r2.body)}`);
    } finally {
      await server.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }

    const baselineMs = bulkInsertBaseline(rows);
    line(`import (HTTP upload + verify + store, empty site):   ${ms(importMs)}`);
    line(`import (newer release replacing the loaded data):     ${ms(replaceMs)}`);
    line(`baseline (plain better-sqlite3 bulk insert, same rows): ${ms(baselineMs)}`);
    line(`ratio import / baseline: ${(importMs / baselineMs).toFixed(1)}×   (replacement: ${(replaceMs / baselineMs).toFixed(1)}×)`);
    const importVerdict = report.figure({ figure: 'import 200 rooms (empty site)', value: ms(importMs), baseline: `bulk insert ${ms(baselineMs)}`, ratio: `${(importMs / baselineMs).toFixed(1)}×`, target: `≤ ${TARGET_MS} ms`, pass: importMs <= TARGET_MS });
    const replaceVerdict = report.figure({ figure: 'import replacing loaded data', value: ms(replaceMs), baseline: `bulk insert ${ms(baselineMs)}`, ratio: `${(replaceMs / baselineMs).toFixed(1)}×`, target: `≤ ${TARGET_MS} ms`, pass: replaceMs <= TARGET_MS });
    line(`target ≤ ${TARGET_MS} ms: import ${importVerdict}, replacement ${replaceVerdict}`);
  },
};

interface Rows {
  rooms: unknown[][];
  sessions: unknown[][];
  candidates: unknown[][];
}

function rowsOf(zipBytes: Buffer): Rows {
  const zip = new AdmZip(zipBytes);
  const manifest = JSON.parse(zip.readAsText('manifest.json')) as PackageManifest;
  const rows: Rows = { rooms: [], sessions: [], candidates: [] };
  for (const s of manifest.sessions) rows.sessions.push([s.no, s.name, s.startsAt, s.durationMinutes, JSON.stringify(s.subjects), 'x'.repeat(64), 1000]);
  for (const room of manifest.rooms) {
    const file = JSON.parse(zip.readAsText(`rooms/${room.roomCode}.json`)) as PackageRoomFile;
    let count = 0;
    for (const s of file.sessions) {
      for (const c of s.candidates) {
        count++;
        rows.candidates.push([room.roomCode, s.no, c.seatNo, c.ticketNo, c.name, c.gender, c.idCardMasked, c.subjectCodes.join(',')]);
      }
    }
    rows.rooms.push([room.roomCode, room.name, room.address, file.seats.rows, file.seats.columns, JSON.stringify(file.sessions.map((s) => s.no)), count, 'ABCDEFGH', new Date().toISOString()]);
  }
  return rows;
}

/** The same rows into the same table shapes, prepared statements, one transaction. */
function bulkInsertBaseline(rows: Rows): number {
  const dir = makeTempDir('examsite-bench-baseline-');
  try {
    const db = new Database(path.join(dir, 'baseline.sqlite'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(`
      CREATE TABLE load_room (roomCode varchar(8) PRIMARY KEY, name varchar(100), address varchar(200), seatRows integer, seatColumns integer, sessionNos text, candidateCount integer, registrationCode varchar(16), loadedAt varchar(32));
      CREATE TABLE load_session (no integer PRIMARY KEY, name varchar(100), startsAt varchar(32), durationMinutes integer, subjects text, contentSha256 varchar(64), contentBytes bigint);
      CREATE TABLE load_candidate (roomCode varchar(8), sessionNo integer, seatNo integer, ticketNo varchar(24), name varchar(50), gender varchar(2), idCardMasked varchar(18), subjectCodes varchar(400), PRIMARY KEY (roomCode, sessionNo, seatNo));
      CREATE INDEX IDX_load_candidate_ticket ON load_candidate (ticketNo);
    `);
    const insRoom = db.prepare('INSERT INTO load_room VALUES (?,?,?,?,?,?,?,?,?)');
    const insSession = db.prepare('INSERT INTO load_session VALUES (?,?,?,?,?,?,?)');
    const insCandidate = db.prepare('INSERT INTO load_candidate VALUES (?,?,?,?,?,?,?,?)');
    const t = performance.now();
    db.transaction(() => {
      for (const r of rows.rooms) insRoom.run(...r);
      for (const s of rows.sessions) insSession.run(...s);
      for (const c of rows.candidates) insCandidate.run(...c);
    })();
    const elapsed = performance.now() - t;
    db.close();
    return elapsed;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function ms(v: number): string {
  return `${Math.round(v)} ms`;
}

function line(s: string): void {
  process.stdout.write(`${s}\n`);
}
