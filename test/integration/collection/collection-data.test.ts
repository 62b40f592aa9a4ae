// Issue 12 (data participant, R9.1–R9.5): collected results are in 系统备份 and come back with
// 系统恢复, 系统初始化 clears them (rows and files), and in a formal exam the results the centre
// has not acknowledged block 初始化 and 退出系统.
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { makeTempDir } from '../../../core/testing/test-server';
import { uploadResultOverHttp } from '../../sim/proctor/result-upload';
import { plugin as systemPlugin } from '../../../plugins/system/server/plugin';
import { restarted } from '../system/system-harness';
import { ResultReportAckRow } from '../../../plugins/collection/server/report/report-rows';
import { CollectedResultRow } from '../../../plugins/collection/server/result-rows';
import { ROOM1, startCollectionSite, type CollectionSite } from './collection-harness';
import { skipInPostgresPass } from '../../../core/testing/test-database';

const sha256 = (file: string): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const resultFiles = (dataDir: string): string[] => {
  const dir = path.join(dataDir, 'plugins', 'collection', 'results');
  return fs.existsSync(dir) ? (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.zip')).sort() : [];
};

describe('collected results as system data: backup, restore, initialization, unreported guard', function () {
  this.timeout(120_000);
  const sites: CollectionSite[] = [];
  const dirs: string[] = [];
  after(async () => {
    for (const s of sites) await s.stop().catch(() => undefined);
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });
  const start = async (o: Parameters<typeof startCollectionSite>[0] = {}): Promise<CollectionSite> => {
    const s = await startCollectionSite({ ...o, extraPlugins: [systemPlugin] });
    sites.push(s);
    return s;
  };

  it('系统备份 holds the collected packages and 系统恢复 on a new PC brings rows and files back', async function () {
    skipInPostgresPass(this, '系统备份 needs the SQLite snapshot');
    const site = await start();
    const proctor = await site.proctor(ROOM1);
    const pkg = await site.writePackage(proctor, 1);
    await uploadResultOverHttp(proctor, 1, pkg.file, { sha256: pkg.sha256 });
    const backupDir = makeTempDir('examsite-bak-');
    dirs.push(backupDir);
    const made = await site.site.admin.post<{ file: string }>('/api/system/backups', { folder: backupDir, note: '回收后备份' });
    expect(made.status, JSON.stringify(made.body)).to.equal(200);

    const fresh = await start({ dongleFrom: site.site.server.dataDir });
    dirs.push(fresh.site.server.dataDir);
    expect(await fresh.site.server.store.manager.count(CollectedResultRow)).to.equal(0);
    const r = await fresh.site.admin.post('/api/system/restore', { file: made.body.file });
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    await restarted(fresh.site.server, 0);

    const rows = await fresh.site.server.store.manager.find(CollectedResultRow);
    expect(rows.map((x) => [x.roomCode, x.sessionNo, x.packageSha256])).to.deep.equal([[ROOM1, 1, pkg.sha256]]);
    expect(sha256(path.join(fresh.site.server.dataDir, 'plugins', 'collection', rows[0]!.file))).to.equal(pkg.sha256);
    expect(resultFiles(fresh.site.server.dataDir)).to.deep.equal(resultFiles(site.site.server.dataDir));
    await fresh.site.admin.login();
    const table = await fresh.site.admin.get<{ collectedPackages: number }>('/api/collection/table');
    expect(table.body.collectedPackages).to.equal(1);
  });

  it('in a formal exam, unacknowledged results block 初始化 and 退出系统; once acknowledged, 初始化 clears rows and files', async () => {
    const site = await start({ mode: 'formal' });
    const proctor = await site.proctor(ROOM1);
    const pkg = await site.writePackage(proctor, 1);
    await uploadResultOverHttp(proctor, 1, pkg.file, { sha256: pkg.sha256 });
    const { admin, server } = site.site;

    const overview = await admin.get<{ unreported: string[] }>('/api/system/overview');
    expect(overview.body.unreported).to.deep.equal([`考试结果：考场 ${ROOM1} 第 1 场的结果数据包尚未上报到监控平台`]);
    const init = await admin.post<{ error: { message: string } }>('/api/system/initialize', { confirmation: '11003' });
    expect(init.status).to.equal(409);
    expect(init.body.error.message).to.contain(`考场 ${ROOM1} 第 1 场的结果数据包尚未上报`);
    const exit = await admin.post<{ error: { message: string } }>('/api/system/exit');
    expect(exit.status).to.equal(409);
    expect(await server.store.manager.count(CollectedResultRow)).to.equal(1);
    expect(resultFiles(server.dataDir)).to.have.length(1);

    // The centre acknowledged the file (第二步 stores exactly this row on the centre's reply).
    const [row] = await server.store.manager.find(CollectedResultRow);
    await server.store.write((em) => em.save(ResultReportAckRow, { packageSha256: row!.packageSha256, roomCode: ROOM1, sessionNo: 1, uploadId: 'centre-upload-1', receivedAt: new Date().toISOString() }));
    expect((await admin.get<{ unreported: string[] }>('/api/system/overview')).body.unreported).to.deep.equal([]);

    const before = server.restarts;
    const done = await admin.post('/api/system/initialize', { confirmation: '11003' });
    expect(done.status, JSON.stringify(done.body)).to.equal(200);
    await restarted(server, before);
    expect(await server.store.manager.count(CollectedResultRow)).to.equal(0);
    expect(await server.store.manager.count(ResultReportAckRow)).to.equal(0);
    expect(resultFiles(server.dataDir)).to.deep.equal([]);
  });
});
