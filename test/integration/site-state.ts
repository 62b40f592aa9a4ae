import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { generateSigningKeyPair, sha256Hex } from '../../core/crypto';
import { TestClient } from '../../core/testing/http-client';
import { buildSitePackage, defaultSessions } from '../sim/centre/package-builder';
import type { BuiltPackage, CentreSigningKey } from '../sim/centre/sim-types';
import { filesUnder, type ProductProcess } from './product-process';

// What a crashed site folder holds, read straight from its files (the product must be gone):
// shared by the crash tests of the load stage (crash-safety) and of 系统管理 (system-crash).

export function sqliteFile(dataDir: string): string {
  return path.join(dataDir, 'examsite.sqlite');
}

/** Opens the site database read-only (the product must be gone) and runs `read` on it. */
export function readDb<T>(dataDir: string, read: (db: Database.Database) => T): T {
  const db = new Database(sqliteFile(dataDir), { readonly: true, fileMustExist: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

export function integrity(dataDir: string): string {
  return readDb(dataDir, (db) => (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check).join('; '));
}

export interface LoadedState {
  /** Everything that identifies a release's data, without per-run values (loadedAt, new codes). */
  readonly fingerprint: string;
  readonly manifestSha256: string | null;
  readonly codes: Map<string, string>;
  readonly contentShas: string[];
}

export function loadedState(dataDir: string): LoadedState {
  return readDb(dataDir, (db) => {
    const release = db.prepare('SELECT manifestSha256, releaseTime FROM load_release').all() as { manifestSha256: string; releaseTime: string }[];
    const rooms = db
      .prepare('SELECT roomCode, name, address, seatRows, seatColumns, sessionNos, candidateCount, registrationCode FROM load_room ORDER BY roomCode')
      .all() as { roomCode: string; registrationCode: string }[];
    const sessions = db.prepare('SELECT no, name, startsAt, durationMinutes, subjects, contentSha256, contentBytes FROM load_session ORDER BY no').all() as {
      contentSha256: string;
    }[];
    const candidates = db
      .prepare('SELECT roomCode, sessionNo, seatNo, ticketNo, name, gender, idCardMasked, subjectCodes FROM load_candidate ORDER BY roomCode, sessionNo, seatNo')
      .all();
    const fingerprint = JSON.stringify({
      release,
      rooms: rooms.map(({ registrationCode: _c, ...r }) => r),
      sessions,
      candidates: sha256Hex(Buffer.from(JSON.stringify(candidates))),
      candidateCount: candidates.length,
    });
    return {
      fingerprint,
      manifestSha256: release[0]?.manifestSha256 ?? null,
      codes: new Map(rooms.map((r) => [r.roomCode, r.registrationCode])),
      contentShas: sessions.map((s) => s.contentSha256),
    };
  });
}

/** The content folder holds exactly the referenced files, each with its hash; no temp file anywhere. */
export function expectFilesClean(dataDir: string, state: LoadedState): void {
  const contentDir = path.join(dataDir, 'plugins', 'load', 'content');
  for (const sha of state.contentShas) {
    const file = path.join(contentDir, `${sha}.bin`);
    expect(fs.existsSync(file), `试题文件 ${sha}.bin`).to.equal(true);
    expect(sha256Hex(fs.readFileSync(file)), `试题文件 ${sha}.bin 的哈希`).to.equal(sha);
  }
  expect(fs.readdirSync(contentDir).sort()).to.deep.equal(state.contentShas.map((s) => `${s}.bin`).sort());
  const temps = filesUnder(dataDir).filter((f) => f.endsWith('.tmp') || f.split(path.sep).includes('.tmp'));
  expect(temps, 'temp files left after the restart sweep').to.deep.equal([]);
}

export async function adminOf(p: ProductProcess): Promise<TestClient> {
  const c = new TestClient(p.url);
  await c.login('admin', '888');
  return c;
}

export function contentCount(dataDir: string): number {
  const dir = path.join(dataDir, 'plugins', 'load', 'content');
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => n.endsWith('.bin')).length : 0;
}

export const CRASH_SITE = '11003';

export function centreKey(): CentreSigningKey {
  const k = generateSigningKeyPair();
  return { keyId: k.keyId, publicKey: k.publicKey, privateKeyPem: k.privateKeyPem };
}

/** Two releases of one site: 60 rooms, and a newer, larger one (the old rooms plus more, more sessions, other content). */
export async function crashReleases(key: CentreSigningKey): Promise<{ older: BuiltPackage; newer: BuiltPackage }> {
  const older = await buildSitePackage(
    { siteCode: CRASH_SITE, mode: 'mock', rooms: 60, candidatesPerRoom: 20, sessions: defaultSessions(2), releaseTime: '2026-12-01T10:00:00+08:00', seed: 1 },
    key,
  );
  const newer = await buildSitePackage(
    { siteCode: CRASH_SITE, mode: 'mock', rooms: 150, candidatesPerRoom: 50, sessions: defaultSessions(4), releaseTime: '2026-12-02T10:00:00+08:00', seed: 2 },
    key,
  );
  return { older, newer };
}
