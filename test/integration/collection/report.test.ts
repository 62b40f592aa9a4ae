import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { centrePaths } from '../../../core/centre';
import type { ErrorBody } from '../../../core/http/errors';
import { REPORT_BACKUP_PLACE } from '../../../plugins/collection/api/report-contract';
import { BACKUP_MANIFEST_NAME, backupManifestSchema } from '../../../plugins/collection/server/report/backup-manifest';
import { resultUploadId } from '../../../plugins/collection/server/report/result-upload-step';
import { startReportSite, type ReportSite } from './report-harness';

const MB = 1024 * 1024;

describe('考后上报 two steps (issue 12 point 7, R8.5)', function () {
  this.timeout(60_000);
  let site: ReportSite;
  let rooms1: string[];
  let rooms2: string[];

  before(async () => {
    site = await startReportSite();
    rooms1 = await site.roomsOf(1);
    rooms2 = await site.roomsOf(2);
  });
  after(() => site.stop());

  async function backup(folder: string): Promise<void> {
    const r = await site.admin.post('/api/collection/report/backup', { folder });
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    await site.report.backup.whenDone();
  }

  async function upload(sessionNo: number): Promise<void> {
    const r = await site.admin.post(`/api/collection/report/sessions/${sessionNo}/upload`);
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    await site.report.upload.whenDone(sessionNo);
  }

  it('第二步 is refused until a backup exists, and an invalid folder changes nothing', async () => {
    site.results.add(rooms1[0] as string, 1, 2 * MB);
    site.results.add(rooms1[1] as string, 1, 3 * MB);
    const refused = await site.admin.post<ErrorBody>('/api/collection/report/sessions/1/upload');
    expect(refused.status).to.equal(409);
    expect(refused.body.error.message).to.include('请先完成第一步');
    expect(refused.body.error.goTo, 'the refusal leads to 第一步 (issue 10 point 8)').to.deep.equal(REPORT_BACKUP_PLACE);
    for (const [folder, words] of [
      ['relative/usb', '不是完整路径'],
      [path.join(site.drive, 'not-there'), '不存在'],
    ] as const) {
      const r = await site.admin.post<ErrorBody>('/api/collection/report/backup', { folder });
      expect(r.status).to.equal(400);
      expect(r.body.error.message).to.include(words);
    }
    const view = await site.view();
    expect(view.backup.latest).to.equal(null);
    expect(view.uploadEnabled).to.equal(false);
    expect(view.backup.summary).to.include('尚未备份');
    expect(site.centre.uploads()).to.deep.equal([]);
  });

  it('第一步 copies the packages with a manifest of hashes, reads them back and enables 第二步', async () => {
    await backup(site.drive);
    const view = await site.view();
    expect(view.backup.latest?.verifiedAt).to.be.a('string');
    expect(view.backup.latest?.fileCount).to.equal(2);
    expect(view.backup.coversCurrent).to.equal(true);
    expect(view.backup.summary).to.include('包含当前全部 2 个结果包');
    expect(view.uploadEnabled).to.equal(true);
    const dir = view.backup.latest?.dir as string;
    expect(path.dirname(dir)).to.equal(site.drive);
    const manifest = backupManifestSchema.parse(JSON.parse(fs.readFileSync(path.join(dir, BACKUP_MANIFEST_NAME), 'utf8')));
    expect(manifest.files.map((f) => f.sha256).sort()).to.deep.equal(site.results.packages.map((p) => p.sha256).sort());
    for (const f of manifest.files) expect(fs.statSync(path.join(dir, f.name)).size).to.equal(f.size);
  });

  it('verification catches a corrupted copy and 第二步 is disabled again', async () => {
    const dir = (await site.view()).backup.latest?.dir as string;
    const manifest = backupManifestSchema.parse(JSON.parse(fs.readFileSync(path.join(dir, BACKUP_MANIFEST_NAME), 'utf8')));
    const victim = path.join(dir, manifest.files[1]?.name as string);
    const fd = fs.openSync(victim, 'r+');
    fs.writeSync(fd, Buffer.from([0x00, 0xff, 0x00]), 0, 3, 1000);
    fs.closeSync(fd);
    const r = await site.admin.post('/api/collection/report/backup/verify');
    expect(r.status).to.equal(200);
    const view = await site.view();
    expect(view.backup.coversCurrent).to.equal(false);
    expect(view.backup.latest?.verifiedAt).to.equal(null);
    expect(view.backup.latest?.failure).to.include(manifest.files[1]?.name as string);
    expect(view.backup.latest?.failure).to.include('读回后校验不一致');
    expect(view.uploadEnabled).to.equal(false);
    const refused = await site.admin.post<ErrorBody>('/api/collection/report/sessions/1/upload');
    expect(refused.status).to.equal(409);
    expect(site.centre.uploads()).to.deep.equal([]);
    await backup(site.drive);
    expect((await site.view()).uploadEnabled).to.equal(true);
  });

  it('a package collected after the backup asks for 第一步 again', async () => {
    site.results.add(rooms1[2] as string, 1, 4 * MB);
    const view = await site.view();
    expect(view.backup.coversCurrent).to.equal(false);
    expect(view.backup.notCovered).to.equal(1);
    expect(view.uploadEnabled).to.equal(false);
    const refused = await site.admin.post<ErrorBody>('/api/collection/report/sessions/1/upload');
    expect(refused.status).to.equal(409);
    expect(refused.body.error.message).to.include('备份之后回收');
    await backup(site.drive);
    expect((await site.view()).backup.latest?.fileCount).to.equal(3);
  });

  it('上报 stops at a centre failure, counts only acknowledged files, and 续报 finishes', async () => {
    const [, second] = site.results.packages.filter((p) => p.sessionNo === 1);
    const secondId = resultUploadId('11003', 'mock', second as (typeof site.results.packages)[number]);
    site.centre.setFault({ mode: 'down', closeSockets: true, only: centrePaths.upload(secondId) });
    let view = await site.view();
    expect(view.sessions[0]?.action).to.equal('上报');
    await upload(1);
    view = await site.view();
    const s1 = view.sessions.find((s) => s.sessionNo === 1);
    expect(s1?.roomCount).to.equal(rooms1.length);
    expect(s1?.collectedRooms).to.equal(3);
    expect(s1?.reportedRooms).to.equal(1);
    expect(s1?.statusText).to.equal(`${rooms1.length - 1}个未上报`);
    expect(s1?.message).to.include('上报中断');
    expect(s1?.action).to.equal('续报');
    expect(site.centre.uploads().filter((u) => u.complete)).to.have.length(1);

    site.centre.setFault({ mode: 'none' });
    await upload(1);
    view = await site.view();
    const done = view.sessions.find((s) => s.sessionNo === 1);
    expect(done?.reportedRooms).to.equal(3);
    expect(done?.statusText).to.equal('全部已上报');
    expect(done?.action).to.equal(null);
    const complete = site.centre.uploads().filter((u) => u.complete);
    expect(complete.map((u) => u.sha256).sort()).to.deep.equal(site.results.packages.map((p) => p.sha256).sort());
    const again = await site.admin.post<ErrorBody>('/api/collection/report/sessions/1/upload');
    expect(again.status).to.equal(409);
    expect(again.body.error.message).to.include('都已上报');
  });

  it('says how many rooms have not handed in when the collected files are reported', async () => {
    site.results.add(rooms2[0] as string, 2, MB);
    await backup(site.drive);
    await upload(2);
    const s2 = (await site.view()).sessions.find((s) => s.sessionNo === 2);
    expect(s2?.message).to.equal(`已回收文件上报完成，还有${rooms2.length - 1}个考场未回收文件!`);
    expect(s2?.reportedRooms).to.equal(1);
  });
});
