import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { ErrorBody } from '../../core/http/errors';
import { makeTempDir } from '../../core/testing/test-server';
import { ROOM1, startCollectionSite, type CollectionSite } from '../integration/collection/collection-harness';
import { buildPackage, newCentreKey } from '../integration/registration/site-harness';
import { startSystemSite } from '../integration/system/system-harness';
import { ProctorApiError } from '../sim/proctor/proctor-client';
import { uploadResultOverHttp } from '../sim/proctor/result-upload';
import { CAN_CAP_FOLDERS, CappedFolder } from './capped-folder';
import { AppError } from '../../core/http/errors';
import { CentreOutboxRow } from '../../core/centre';
import { coreServices } from '../../core/services';
import { startTestServer } from '../../core/testing/test-server';
import { waitFor } from '../../core/testing/wait-for';
import { startCentreSimulator } from '../sim/centre/centre-simulator';

/**
 * Issue 15 point 2: disk full on a size-capped folder (a tmpfs, needs root). Each way of
 * writing fails with a clear Chinese message, the server keeps answering, nothing half
 * written stays listed, and the same action succeeds once space is freed.
 */
const HAN = /[\u4e00-\u9fff]/;
const MB = 1024 * 1024;

function expectDiskFullMessage(status: number, message: string, statuses: readonly number[] = [507]): void {
  expect(statuses, message).to.include(status);
  expect(message).to.match(HAN).and.to.include('空间不足');
  expect(message).to.not.match(/ENOSPC|Error|at \w+ \(/);
}

describe('disk full on a size-capped folder (issue 15 point 2)', function () {
  this.timeout(120_000);
  const mounted: CappedFolder[] = [];
  const dirs: string[] = [];
  before(function () {
    if (!CAN_CAP_FOLDERS) this.skip();
  });
  after(() => {
    for (const m of mounted) m.unmount();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });
  const cap = (dir: string, size: number): CappedFolder => {
    const m = CappedFolder.mount(dir, size);
    mounted.push(m);
    return m;
  };

  it('载入考务 (POST /api/load/import): 507 in Chinese, nothing loaded, the server answers, the import succeeds after freeing space', async () => {
    const key = newCentreKey();
    const dataDir = makeTempDir('examsite-full-import-');
    dirs.push(dataDir);
    const disk = cap(path.join(dataDir, 'plugins', 'load'), 8 * MB);
    const { server, admin } = await startSystemSite({ key, dataDir });
    try {
      expect((await admin.put('/api/settings', { siteCode: '11003', mode: 'mock' })).status).to.equal(200);
      const pkg = await buildPackage(key);
      disk.fill(Math.floor(pkg.bytes.length / 2));
      const full = await admin.post<ErrorBody>('/api/load/import', pkg.bytes, { 'content-type': 'application/zip' });
      expectDiskFullMessage(full.status, JSON.stringify(full.body));
      expect((await admin.get('/api/status')).status).to.equal(200);
      const rooms = await server.store.manager.query('SELECT COUNT(*) AS n FROM load_room');
      expect(Number((rooms as { n: number }[])[0]!.n), 'nothing loaded').to.equal(0);
      disk.free();
      const again = await admin.post('/api/load/import', pkg.bytes, { 'content-type': 'application/zip' });
      expect(again.status, JSON.stringify(again.body)).to.equal(200);
    } finally {
      await server.stop();
    }
  });

  it('上报 over HTTP (tus): 507 in Chinese, the bytes kept, the server answers, the upload resumes to the right hash', async () => {
    const dataDir = makeTempDir('examsite-full-upload-');
    dirs.push(dataDir);
    const disk = cap(path.join(dataDir, 'plugins', 'collection'), 8 * MB);
    const site: CollectionSite = await startCollectionSite({ dataDir });
    try {
      const proctor = await site.proctor(ROOM1);
      const pkg = await site.writePackage(proctor, 1, { answerBytes: 256 * 1024 });
      expect(pkg.size).to.be.below(6 * MB);
      disk.fill(Math.floor(pkg.size / 2));
      let uploadUrl: string | null = null;
      const e = await uploadResultOverHttp(proctor, 1, pkg.file, { sha256: pkg.sha256, chunkSize: 512 * 1024, retryDelays: [], onUploadUrl: (u) => (uploadUrl = u) }).then(
        () => null,
        (err: unknown) => err,
      );
      expect(e).to.be.instanceOf(ProctorApiError);
      expectDiskFullMessage((e as ProctorApiError).status, (e as ProctorApiError).message);
      expect((await site.site.admin.get('/api/status')).status).to.equal(200);
      expect(await site.site.server.store.manager.query('SELECT * FROM collection_result')).to.deep.equal([]);
      disk.free();
      const answer = await uploadResultOverHttp(proctor, 1, pkg.file, { sha256: pkg.sha256, chunkSize: 512 * 1024, uploadUrl });
      expect((answer.receipt as { body: { packageSha256: string } }).body.packageSha256).to.equal(pkg.sha256);
    } finally {
      await site.stop();
    }
  });

  it('the outbox on a full disk: 507 in Chinese, nothing half stored, the server answers, each report delivered exactly once after freeing space', async () => {
    const root = makeTempDir('examsite-full-outbox-');
    dirs.push(root);
    const sim = await startCentreSimulator({ dataDir: path.join(root, 'centre'), port: 0 });
    const dataDir = path.join(root, 'site');
    const disk = cap(dataDir, 16 * MB);
    const site = await startTestServer({
      dataDir,
      plugins: [],
      config: { centreUrl: sim.url, centreKeys: sim.keys.split(','), centreTimeoutMs: 1000, centreProbeIntervalMs: 200, centreRetryBaseMs: 50, centreRetryMaxMs: 300 },
    });
    try {
      await (await site.kernel.get(coreServices.settings)).update({ siteCode: '11003', mode: 'mock' });
      const outbox = await site.kernel.get(coreServices.outbox);
      disk.fill(0);
      // SQLite may still write into WAL pages it already holds: report until the disk says no.
      const stored: string[] = [];
      let refused: unknown = null;
      for (let n = 0; n < 2000 && !refused; n++) {
        const key = `full-disk-${n}`;
        await outbox.enqueue('test-report', { n, filler: 'x'.repeat(4000) }, { idempotencyKey: key }).then(
          () => stored.push(key),
          (e: unknown) => (refused = e),
        );
      }
      expect(refused, 'a report refused on the full disk').to.be.instanceOf(AppError);
      expectDiskFullMessage((refused as AppError).status, (refused as AppError).message);
      const refusedKey = `full-disk-${stored.length}`;
      expect(await outbox.find(refusedKey), 'the refused report is not half stored').to.equal(null);
      // The server keeps answering (a read of the core API: 401 without a login).
      const answer = await fetch(`${site.url}/api/auth/me`);
      expect(answer.status).to.equal(401);
      disk.free();
      await outbox.enqueue('test-report', { n: stored.length, filler: 'x'.repeat(4000) }, { idempotencyKey: refusedKey });
      stored.push(refusedKey);
      await waitFor('every report delivered', async () => (await outbox.pending()).length === 0, 60_000);
      const reports = sim.reports().filter((r) => r.idempotencyKey.startsWith('full-disk-'));
      expect(reports.map((r) => r.idempotencyKey).sort()).to.deep.equal([...stored].sort());
      for (const r of reports) expect(r.receivedCount, r.idempotencyKey).to.equal(1);
      const rows = await site.store.manager.count(CentreOutboxRow);
      expect(rows).to.be.at.least(stored.length);
    } finally {
      await site.stop();
      await sim.stop();
    }
  });

  it('系统备份 onto a full folder: a Chinese error, no half file listed or left, the next backup succeeds after freeing space', async () => {
    const key = newCentreKey();
    const dataDir = makeTempDir('examsite-full-backup-');
    const usb = makeTempDir('examsite-full-usb-');
    dirs.push(dataDir, usb);
    const { server, admin } = await startSystemSite({ key, dataDir });
    try {
      expect((await admin.put('/api/settings', { siteCode: '11003', mode: 'mock' })).status).to.equal(200);
      expect((await admin.post('/api/load/import', (await buildPackage(key)).bytes, { 'content-type': 'application/zip' })).status).to.equal(200);
      const disk = cap(usb, 8 * MB);
      disk.fill(64 * 1024);
      const full = await admin.post<ErrorBody>('/api/system/backups', { folder: usb, note: 'full' });
      // 系统管理 answers BACKUP_WRITE_FAILED (500) with 磁盘空间不足 in the message.
      expectDiskFullMessage(full.status, JSON.stringify(full.body), [500, 507]);
      expect((await admin.get('/api/status')).status).to.equal(200);
      const listed = await admin.get<unknown[]>(`/api/system/backups?folder=${encodeURIComponent(usb)}`);
      expect(listed.body, 'no half backup listed').to.deep.equal([]);
      expect(fs.readdirSync(usb).filter((n) => !n.startsWith('filler-')), 'nothing left in the folder').to.deep.equal([]);
      disk.free();
      const again = await admin.post('/api/system/backups', { folder: usb, note: 'freed' });
      expect(again.status, JSON.stringify(again.body)).to.equal(200);
      expect((await admin.get<unknown[]>(`/api/system/backups?folder=${encodeURIComponent(usb)}`)).body).to.have.length(1);
    } finally {
      await server.stop();
    }
  });
});
