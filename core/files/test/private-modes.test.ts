import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { makeTempDir, startTestServer } from '../../testing/test-server';
import { SQLITE_ONLY } from '../../testing/test-database';
import { SOFT_DONGLE_FILE } from '../../dongle/soft-dongle';

const modeOf = (p: string): number => fs.statSync(p).mode & 0o777;

/** Runs `work` with a permissive umask, so only explicit modes can make the files private. */
async function withUmask<T>(mask: number, work: () => Promise<T>): Promise<T> {
  const before = process.umask(mask);
  try {
    return await work();
  } finally {
    process.umask(before);
  }
}

describe('data directory 0700, database and secret files 0600, whatever the umask (issue 10 point 4)', function () {
  this.timeout(60_000);
  if (process.platform === 'win32') return;
  let parent: string;
  beforeEach(() => {
    parent = makeTempDir('examsite-modes-');
  });
  afterEach(() => fs.rmSync(parent, { recursive: true, force: true }));

  it('a fresh data dir: folder 0700; examsite.sqlite, -wal, -shm and soft-dongle.json 0600', async () => {
    const dataDir = path.join(parent, 'fresh', 'data');
    const server = await withUmask(0, () => startTestServer({ dataDir, config: SQLITE_ONLY }));
    try {
      // A write so the WAL and the shared-memory file certainly exist.
      const { TestClient } = await import('../../testing/http-client');
      const admin = new TestClient(server.url);
      await admin.login();
      expect(modeOf(dataDir)).to.equal(0o700);
      const db = path.join(dataDir, 'examsite.sqlite');
      for (const f of [db, `${db}-wal`, `${db}-shm`, path.join(dataDir, SOFT_DONGLE_FILE)]) {
        expect(fs.existsSync(f), f).to.equal(true);
        expect(modeOf(f).toString(8), path.basename(f)).to.equal('600');
      }
    } finally {
      await server.stop();
    }
  });

  it('an existing data dir and database left world-readable are made private at start', async () => {
    const dataDir = path.join(parent, 'old');
    fs.mkdirSync(dataDir, { mode: 0o755 });
    fs.chmodSync(dataDir, 0o755);
    const first = await withUmask(0, () => startTestServer({ dataDir, config: SQLITE_ONLY }));
    await first.stop();
    const db = path.join(dataDir, 'examsite.sqlite');
    fs.chmodSync(db, 0o644);
    fs.chmodSync(dataDir, 0o755);
    const second = await withUmask(0, () => startTestServer({ dataDir, config: SQLITE_ONLY }));
    try {
      expect(modeOf(dataDir).toString(8)).to.equal('700');
      expect(modeOf(db).toString(8)).to.equal('600');
    } finally {
      await second.stop();
    }
  });
});
