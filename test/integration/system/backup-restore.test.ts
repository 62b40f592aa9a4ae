import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { makeTempDir, type TestServer } from '../../../core/testing/test-server';
import type { TestClient } from '../../../core/testing/http-client';
import { ProctorClient } from '../../sim/proctor/proctor-client';
import { buildPackage, newCentreKey } from '../registration/site-harness';
import { BAK_DONGLE_LABEL, BAK_MANIFEST_ENTRY, bakKey, bakPrefix } from '../../../plugins/system/server/backup/bak-format';
import { SoftDongle } from '../../../core/dongle/soft-dongle';
import { forgeZip, unforge } from '../../../core/testing/zip-forge';
import { sealBak, unsealBak } from '../../fuzz/bak-mutators';
import { readBakHeader } from '../../../plugins/system/server/backup/sealed-backup-file';
import { restarted, startSystemSite } from './system-harness';
import { skipInPostgresPass } from '../../../core/testing/test-database';

const SITE = '11003';
const ROOM1 = '11003001';

interface Listing {
  file: string;
  note: string;
  size: number;
  verified: boolean;
  siteCode: string;
}

/** Every row of the site's own tables, for "equal tables" after a restore. */
async function tables(server: TestServer): Promise<string> {
  const q = (sql: string): Promise<unknown[]> => server.store.manager.query(sql) as Promise<unknown[]>;
  return JSON.stringify({
    settings: await q("SELECT key, value FROM core_setting WHERE key IN ('siteCode','mode') ORDER BY key"),
    release: await q('SELECT * FROM load_release'),
    rooms: await q('SELECT * FROM load_room ORDER BY roomCode'),
    sessions: await q('SELECT * FROM load_session ORDER BY no'),
    candidates: await q('SELECT * FROM load_candidate ORDER BY roomCode, sessionNo, seatNo'),
    registrations: await q('SELECT * FROM registration_room ORDER BY roomCode'),
  });
}

function contentFiles(dataDir: string): Record<string, string> {
  const dir = path.join(dataDir, 'plugins', 'load', 'content');
  const out: Record<string, string> = {};
  for (const name of fs.existsSync(dir) ? fs.readdirSync(dir) : []) out[name] = fs.readFileSync(path.join(dir, name)).toString('base64');
  return out;
}

describe('系统备份 / 系统恢复 (R9.1, R9.2; issue 13 points 1, 2)', function () {
  this.timeout(120_000);
  before(function () {
    skipInPostgresPass(this, '系统备份 needs the SQLite snapshot; PostgreSQL sites are refused with what to do instead');
  });
  const key = newCentreKey();
  const dirs: string[] = [];
  const servers: TestServer[] = [];
  let site: { server: TestServer; admin: TestClient };
  let backupDir: string;
  let proctor: ProctorClient;

  const tempDir = (prefix: string): string => {
    const d = makeTempDir(prefix);
    dirs.push(d);
    return d;
  };
  const start = async (o: Parameters<typeof startSystemSite>[0]): Promise<{ server: TestServer; admin: TestClient }> => {
    const s = await startSystemSite({ dataDir: tempDir('examsite-system-'), ...o });
    servers.push(s.server);
    return s;
  };

  before(async () => {
    site = await start({ key });
    expect((await site.admin.put('/api/settings', { siteCode: SITE, mode: 'mock' })).status).to.equal(200);
    const pkg = await buildPackage(key, { siteCode: SITE });
    expect((await site.admin.post('/api/load/import', pkg.bytes, { 'content-type': 'application/zip' })).status).to.equal(200);
    const rooms = (await site.admin.get<{ rooms: { roomCode: string; registrationCode: string }[] }>('/api/registration/rooms')).body.rooms;
    proctor = new ProctorClient(site.server.url);
    const code = rooms.find((r) => r.roomCode === ROOM1)!.registrationCode;
    expect((await proctor.register({ roomCode: ROOM1, registrationCode: code, machineId: 'pc-room1' })).roomCode).to.equal(ROOM1);
    backupDir = tempDir('examsite-bak-');
  });
  after(async () => {
    for (const s of servers) await s.stop().catch(() => undefined);
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  let backup: Listing;

  it('writes one verified .bak (no temporary file left) and lists it with its time, note, size and 已校验', async () => {
    const r = await site.admin.post<Listing>('/api/system/backups', { folder: backupDir, note: '封场后备份' });
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    backup = r.body;
    expect(backup.note).to.equal('封场后备份');
    expect(backup.verified).to.equal(true);
    expect(fs.readdirSync(backupDir)).to.deep.equal([path.basename(backup.file)]);
    expect(fs.statSync(backup.file).size).to.equal(backup.size);
    const list = await site.admin.get<Listing[]>(`/api/system/backups?folder=${encodeURIComponent(backupDir)}`);
    expect(list.body.map((b) => [b.file, b.note, b.verified])).to.deep.equal([[backup.file, '封场后备份', true]]);
    // Nothing of the plaintext database shows in the file: it is sealed.
    expect(fs.readFileSync(backup.file).includes(Buffer.from('SQLite format 3'))).to.equal(false);
  });

  it('refuses a folder that is not a full path, with a Chinese message, and writes nothing', async () => {
    const r = await site.admin.post<{ error: { code: string; message: string } }>('/api/system/backups', { folder: 'relative/dir', note: '' });
    expect(r.status).to.equal(400);
    expect(r.body.error.message).to.contain('不是完整路径');
  });

  async function expectRefused(file: string, code: string, text: string): Promise<void> {
    const before = await tables(site.server);
    const restarts = site.server.restarts;
    const r = await site.admin.post<{ error: { code: string; message: string } }>('/api/system/restore', { file });
    expect(r.status, JSON.stringify(r.body)).to.equal(400);
    expect(r.body.error.code).to.equal(code);
    expect(r.body.error.message).to.contain(text);
    expect(await tables(site.server)).to.equal(before);
    expect(site.server.restarts).to.equal(restarts);
    expect(fs.existsSync(path.join(site.server.dataDir, '.swap-staging'))).to.equal(false);
  }

  it('refuses a tampered, a truncated and a newer-version backup; nothing changes', async () => {
    const bytes = fs.readFileSync(backup.file);
    const tampered = path.join(backupDir, 'tampered.bak');
    const flipped = Buffer.from(bytes);
    flipped[Math.floor(bytes.length / 2)]! ^= 0x01;
    fs.writeFileSync(tampered, flipped);
    await expectRefused(tampered, 'BACKUP_DAMAGED', '已损坏');

    const truncated = path.join(backupDir, 'truncated.bak');
    fs.writeFileSync(truncated, bytes.subarray(0, bytes.length - 1000));
    await expectRefused(truncated, 'BACKUP_DAMAGED', '被截断');

    // A later product wrote it (its clear header says so; the version is checked before the key).
    const newer = path.join(backupDir, 'newer.bak');
    const { header, prefix } = await readBakHeader(backup.file);
    fs.writeFileSync(newer, Buffer.concat([bakPrefix({ ...header, productVersion: '99.0.0' }), bytes.subarray(prefix.length)]));
    await expectRefused(newer, 'BACKUP_NEWER_VERSION', '请先升级');

    await expectRefused(path.join(backupDir, 'missing.bak'), 'BACKUP_FILE_MISSING', '不存在');
    for (const f of [tampered, truncated, newer]) fs.rmSync(f);
  });

  it('refuses a backup whose manifest, resealed with the site\'s own key, leaves out the folder of files it carries (fuzz cases #608, #831)', async () => {
    const key = bakKey(await (await SoftDongle.open(site.server.dataDir)).deriveKey(BAK_DONGLE_LABEL), SITE);
    const bytes = fs.readFileSync(backup.file);
    const opened = unsealBak(bytes, key);
    expect(opened, 'the backup opens under the site key').to.not.equal(null);
    const entries = unforge(opened!.zip);
    const manifestEntry = entries.find((e) => e.name === BAK_MANIFEST_ENTRY)!;
    const manifest = JSON.parse(manifestEntry.data.toString('utf8')) as { folders: string[]; entries: { name: string }[] };
    expect(manifest.entries.some((e) => e.name.startsWith('files/plugins/load/content/'))).to.equal(true);
    manifest.folders = manifest.folders.filter((f) => f !== 'plugins/load/content');
    const forged = entries.map((e) => (e === manifestEntry ? { name: e.name, data: Buffer.from(JSON.stringify(manifest, null, 1)) } : e));
    const file = path.join(backupDir, 'folder-left-out.bak');
    fs.writeFileSync(file, sealBak(opened!.header, forgeZip(forged), key));
    const files = contentFiles(site.server.dataDir);
    await expectRefused(file, 'BACKUP_DAMAGED', '已损坏');
    expect(contentFiles(site.server.dataDir)).to.deep.equal(files);
    fs.rmSync(file);
  });

  it('refuses a backup of another site and one sealed with another dongle', async () => {
    const other = await start({ key });
    expect((await other.admin.put('/api/settings', { siteCode: '11004', mode: 'mock' })).status).to.equal(200);
    const otherDir = tempDir('examsite-bak-other-');
    const foreign = await other.admin.post<Listing>('/api/system/backups', { folder: otherDir, note: '' });
    expect(foreign.status, JSON.stringify(foreign.body)).to.equal(200);
    await expectRefused(foreign.body.file, 'BACKUP_FOREIGN_SITE', '考点 11004');

    // A fresh install with a different dongle: the backup's key cannot be derived.
    const stranger = await start({ key });
    const r = await stranger.admin.post<{ error: { code: string; message: string } }>('/api/system/restore', { file: backup.file });
    expect(r.body.error.code).to.equal('BACKUP_FOREIGN_DONGLE');
    expect(r.body.error.message).to.contain('另一个机考锁');
    expect(stranger.server.restarts).to.equal(0);
  });

  it('restores onto a fresh install with the same dongle: equal tables and files, the proctor keeps its credentials', async () => {
    const fresh = await start({ key, dongleFrom: site.server.dataDir });
    const r = await fresh.admin.post<{ restarting: boolean; message: string }>('/api/system/restore', { file: backup.file });
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    expect(r.body.message).to.contain('封场后备份');
    await restarted(fresh.server, 0);
    expect(await tables(fresh.server)).to.equal(await tables(site.server));
    expect(contentFiles(fresh.server.dataDir)).to.deep.equal(contentFiles(site.server.dataDir));
    expect(Object.keys(contentFiles(fresh.server.dataDir))).to.not.have.length(0);
    // The proctor PC, pointed at the new PC (same IP in the manual's scenario), carries on.
    const moved = new ProctorClient(fresh.server.url, proctor.credentials);
    expect((await moved.whoami()).roomCode).to.equal(ROOM1);
    // The administrator logs in again with the restored password.
    await fresh.admin.login();
    const audit = (await fresh.server.store.manager.query("SELECT action FROM core_audit_log WHERE action = 'system.restored'")) as unknown[];
    expect(audit).to.have.length(1);
  });
});
