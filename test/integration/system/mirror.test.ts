// Issue 13 point 7 (持续保护, ADR 021): a mirror folder on the external drive follows the data
// within seconds; when the site PC dies mid-exam, 系统恢复 from that folder on a new PC gives
// every result the site acknowledged. A tampered mirror is refused; a removed or full drive
// is a clear warning and the exam goes on.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { makeTempDir } from '../../../core/testing/test-server';
import { waitFor } from '../../../core/testing/wait-for';
import { skipInPostgresPass } from '../../../core/testing/test-database';
import { CollectedResultRow } from '../../../plugins/collection/server/result-rows';
import type { MirrorStatus } from '../../../plugins/system/api/mirror';
import { MIRROR_SNAPSHOT_NAME } from '../../../plugins/system/server/backup/bak-format';
import { plugin as systemPlugin } from '../../../plugins/system/server/plugin';
import { uploadResultOverHttp } from '../../sim/proctor/result-upload';
import { CAN_CAP_FOLDERS, CappedFolder } from '../../faults/capped-folder';
import { ROOM1, ROOM2, startCollectionSite, type CollectionSite } from '../collection/collection-harness';
import { restarted } from './system-harness';

type ErrorBody = { error: { code: string; message: string } };
const sha256 = (file: string): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const resultRel = (row: CollectedResultRow): string => `files/plugins/collection/${row.file}`;

describe('持续保护: the mirror folder (issue 13 point 7)', function () {
  this.timeout(180_000);
  before(function () {
    skipInPostgresPass(this, 'the mirror holds the SQLite snapshot, like 系统备份');
  });
  const sites: CollectionSite[] = [];
  const dirs: string[] = [];
  const mounted: CappedFolder[] = [];
  after(async () => {
    for (const s of sites) await s.stop().catch(() => undefined);
    for (const m of mounted) m.unmount();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });
  const start = async (o: Parameters<typeof startCollectionSite>[0] = {}): Promise<CollectionSite> => {
    const s = await startCollectionSite({ ...o, extraPlugins: [systemPlugin] });
    sites.push(s);
    dirs.push(s.site.server.dataDir);
    return s;
  };
  const tempDir = (prefix: string): string => {
    const d = makeTempDir(prefix);
    dirs.push(d);
    return d;
  };
  const mirrorStatus = async (s: CollectionSite): Promise<MirrorStatus> => (await s.site.admin.get<MirrorStatus>('/api/system/mirror')).body;
  /** The mirror holds every change committed so far (state ok after `since`). */
  const mirrored = async (s: CollectionSite, since: number, what: string): Promise<MirrorStatus> => {
    let last: MirrorStatus | null = null;
    await waitFor(what, async () => {
      last = await mirrorStatus(s);
      return last.state === 'ok' && last.lastMirroredAt !== null && Date.parse(last.lastMirroredAt) >= since;
    }, 15_000);
    return last!;
  };

  let site: CollectionSite;
  let mirror: string;
  const acknowledged: string[] = [];

  it('refuses a mirror folder that is not a full path or not empty, in Chinese, and stays off', async () => {
    site = await start();
    const relative = await site.site.admin.put<ErrorBody>('/api/system/mirror', { folder: 'relative/mirror' });
    expect(relative.status).to.equal(400);
    expect(relative.body.error.message).to.contain('不是完整路径');
    const busy = tempDir('examsite-mirror-busy-');
    fs.writeFileSync(path.join(busy, 'photos.txt'), 'not ours');
    const notEmpty = await site.site.admin.put<ErrorBody>('/api/system/mirror', { folder: busy });
    expect(notEmpty.status).to.equal(400);
    expect(notEmpty.body.error.code).to.equal('MIRROR_FOLDER_NOT_EMPTY');
    expect(notEmpty.body.error.message).to.contain('请选择一个空文件夹');
    expect(fs.readdirSync(busy)).to.deep.equal(['photos.txt']);
    expect((await mirrorStatus(site)).state).to.equal('off');
  });

  it('an accepted result is in the mirror within seconds, with a sealed database snapshot that holds its row', async () => {
    mirror = tempDir('examsite-mirror-');
    const set = await site.site.admin.put<MirrorStatus>('/api/system/mirror', { folder: mirror });
    expect(set.status, JSON.stringify(set.body)).to.equal(200);
    expect(set.body.folder).to.equal(mirror);
    await mirrored(site, 0, 'the first mirror run');
    expect(fs.existsSync(path.join(mirror, MIRROR_SNAPSHOT_NAME))).to.equal(true);

    const proctor = await site.proctor(ROOM1);
    const pkg = await site.writePackage(proctor, 1);
    const acceptedAt = Date.now();
    await uploadResultOverHttp(proctor, 1, pkg.file, { sha256: pkg.sha256 });
    acknowledged.push(pkg.sha256);
    const [row] = await site.site.server.store.manager.find(CollectedResultRow);
    const copy = path.join(mirror, ...resultRel(row!).split('/'));
    await waitFor('the accepted package in the mirror', () => fs.existsSync(copy), 10_000);
    const seenAfterMs = Date.now() - acceptedAt;
    expect(sha256(copy)).to.equal(pkg.sha256);
    const status = await mirrored(site, acceptedAt, 'the mirror holding the accepted result');
    expect(status.error).to.equal(null);
    expect(status.lagMs).to.be.a('number').and.below(10_000);
    expect(status.files).to.be.greaterThan(0);
    // Sealed: nothing of the plaintext database shows in the mirror's snapshot.
    expect(fs.readFileSync(path.join(mirror, MIRROR_SNAPSHOT_NAME)).includes(Buffer.from('SQLite format 3'))).to.equal(false);
    console.log(`      mirror: package seen after ${seenAfterMs} ms, snapshot lag ${status.lagMs} ms`);
  });

  it('the mirror drive removed: a warning in Chinese, results are still accepted, mirroring resumes when it is back', async () => {
    const moved = `${mirror}-unplugged`;
    fs.renameSync(mirror, moved);
    const proctor = await site.proctor(ROOM2);
    const pkg = await site.writePackage(proctor, 1);
    const answer = await uploadResultOverHttp(proctor, 1, pkg.file, { sha256: pkg.sha256 });
    expect(answer, 'the site still receipts the result').to.not.equal(null);
    acknowledged.push(pkg.sha256);
    let status: MirrorStatus | null = null;
    await waitFor('the mirror error shown', async () => (status = await mirrorStatus(site)).state === 'error', 10_000);
    expect(status!.error).to.contain('外接存储设备可能已拔出').and.contain('考试照常进行');
    expect(await site.site.server.store.manager.count(CollectedResultRow)).to.equal(2);
    const back = Date.now();
    fs.renameSync(moved, mirror);
    await mirrored(site, back, 'the mirror catching up once the drive is back');
  });

  /** The site's dongle, kept aside: "the same dongle plugged into the new PC". */
  let dongle: string;

  it('a tampered mirror is refused on a new PC and nothing changes; the snapshot alone is refused too', async () => {
    dongle = tempDir('examsite-dongle-');
    fs.copyFileSync(path.join(site.site.server.dataDir, 'soft-dongle.json'), path.join(dongle, 'soft-dongle.json'));
    const fresh = await start({ dongleFrom: dongle });
    const rows = await site.site.server.store.manager.find(CollectedResultRow);
    const victim = path.join(mirror, ...resultRel(rows[0]!).split('/'));
    await site.stop();
    const original = fs.readFileSync(victim);
    const flipped = Buffer.from(original);
    flipped[flipped.length >> 1]! ^= 0x01;
    fs.writeFileSync(victim, flipped);
    const expectRefused = async (file: string, text: string): Promise<void> => {
      const r = await fresh.site.admin.post<ErrorBody>('/api/system/restore', { file });
      expect(r.status, JSON.stringify(r.body)).to.equal(400);
      expect(r.body.error.code).to.equal('BACKUP_DAMAGED');
      expect(r.body.error.message).to.contain(text);
      expect(await fresh.site.server.store.manager.count(CollectedResultRow)).to.equal(0);
      expect(fresh.site.server.restarts).to.equal(0);
      expect(fs.existsSync(path.join(fresh.site.server.dataDir, '.swap-staging'))).to.equal(false);
    };
    await expectRefused(mirror, '镜像文件夹不完整或已被改动');
    fs.rmSync(victim);
    await expectRefused(mirror, '镜像文件夹不完整或已被改动');
    fs.writeFileSync(victim, original);
    await expectRefused(path.join(mirror, MIRROR_SNAPSHOT_NAME), '不能单独恢复');
  });

  it('the site PC dies mid-exam (its data folder gone): 系统恢复 from the mirror on a new PC gives every acknowledged result', async () => {
    const dead = site.site.server.dataDir;
    fs.rmSync(dead, { recursive: true, force: true });
    expect(fs.existsSync(dead)).to.equal(false);
    const fresh = await start({ dongleFrom: dongle });
    const r = await fresh.site.admin.post('/api/system/restore', { file: mirror });
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    await restarted(fresh.site.server, 0);
    const rows = await fresh.site.server.store.manager.find(CollectedResultRow, { order: { roomCode: 'ASC' } });
    expect(rows.map((x) => x.packageSha256).sort()).to.deep.equal([...acknowledged].sort());
    // The snapshot and the files agree: every row's package is there with its hash.
    for (const row of rows) expect(sha256(path.join(fresh.site.server.dataDir, 'plugins', 'collection', row.file))).to.equal(row.packageSha256);
    await fresh.site.admin.login();
    expect((await fresh.site.admin.get<{ collectedPackages: number }>('/api/collection/table')).body.collectedPackages).to.equal(2);
    expect([ROOM1, ROOM2]).to.deep.equal(rows.map((x) => x.roomCode));
  });

  it('the mirror drive full: a warning in Chinese, results are still accepted', async function () {
    if (!CAN_CAP_FOLDERS) this.skip();
    const s = await start();
    const small = tempDir('examsite-mirror-small-');
    const disk = CappedFolder.mount(small, 64 * 1024);
    mounted.push(disk);
    expect((await s.site.admin.put('/api/system/mirror', { folder: small })).status).to.equal(200);
    let status: MirrorStatus | null = null;
    await waitFor('the disk-full warning', async () => (status = await mirrorStatus(s)).state === 'error', 10_000);
    expect(status!.error).to.contain('镜像盘空间已满').and.contain('考试照常进行');
    const proctor = await s.proctor(ROOM1);
    const pkg = await s.writePackage(proctor, 1);
    await uploadResultOverHttp(proctor, 1, pkg.file, { sha256: pkg.sha256 });
    expect(await s.site.server.store.manager.count(CollectedResultRow)).to.equal(1);
    expect(fs.readdirSync(small).filter((n) => n.endsWith('.part') || n.endsWith('.durable-tmp')), 'no half-written file left').to.deep.equal([]);
  });
});
