// Issue 12 point 9: the proctor CLI's export and upload (HTTP resumable, --ftp), and the
// centre's side: a package it receives opens with its result key to the very answers written.
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { makeTempDir } from '../../../core/testing/test-server';
import { ROOM1, ROOM2, startCollectionSite, type CollectionSite } from '../../integration/collection/collection-harness';
import { CollectedResultRow } from '../../../plugins/collection/server/result-rows';
import { openResultPackage } from '../centre/result-opener';
import { runCli } from './run-cli';

describe('proctor CLI export / upload and centre decryption (issue 12 point 9)', function () {
  this.timeout(90_000);
  let c: CollectionSite;
  let dir: string;
  before(async () => {
    c = await startCollectionSite();
    dir = makeTempDir('examsite-result-cli-');
  });
  after(async () => {
    await c.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const registerCli = async (room: string): Promise<string> => {
    const creds = path.join(dir, `${room}.json`);
    const r = await runCli('register', '--site', c.site.url, '--room', room, '--code', await c.site.code(room), '--credentials', creds);
    expect(r.code, r.err).to.equal(0);
    return creds;
  };

  it('export writes a package of the asked size; 回收 accepts it; upload (HTTP) and upload --ftp end with a saved receipt', async () => {
    const creds1 = await registerCli(ROOM1);
    const out = path.join(dir, 'export.zip');
    const exported = await runCli('export', '--session', '1', '--out', out, '--size', '2MB', '--credentials', creds1, '--json');
    expect(exported.code, exported.err).to.equal(0);
    const size = fs.statSync(out).size;
    expect(size).to.be.within(2 * 1024 * 1024, 2.2 * 1024 * 1024);
    const imported = await c.site.admin.post<{ roomCode: string }>('/api/collection/import?name=export.zip', fs.readFileSync(out), { 'content-type': 'application/zip' });
    expect(imported.status, JSON.stringify(imported.body)).to.equal(200);

    const http = await runCli('upload', '--session', '2', '--size', '300KB', '--credentials', creds1, '--json');
    expect(http.code, http.err).to.equal(0);
    const httpAnswer = JSON.parse(http.out) as { receiptFile: string; sha256: string };
    expect((JSON.parse(fs.readFileSync(httpAnswer.receiptFile, 'utf8')) as { body: { packageSha256: string; via: string } }).body).to.include({ packageSha256: httpAnswer.sha256, via: 'http' });

    const creds2 = await registerCli(ROOM2);
    const ftp = await runCli('upload', '--session', '1', '--size', '500KB', '--ftp', '--credentials', creds2, '--json');
    expect(ftp.code, ftp.err).to.equal(0);
    const ftpAnswer = JSON.parse(ftp.out) as { receiptFile: string; sha256: string };
    expect((JSON.parse(fs.readFileSync(ftpAnswer.receiptFile, 'utf8')) as { body: { packageSha256: string; via: string } }).body).to.include({ packageSha256: ftpAnswer.sha256, via: 'ftp' });

    const rows = await c.site.server.store.manager.find(CollectedResultRow, { order: { roomCode: 'ASC', sessionNo: 'ASC' } });
    expect(rows.map((r) => [r.roomCode, r.sessionNo, r.via])).to.deep.equal([
      [ROOM1, 1, 'manual'],
      [ROOM1, 2, 'http'],
      [ROOM2, 1, 'ftp'],
    ]);
  });

  it('a refused upload says why in Chinese and exits non-zero', async () => {
    const r = await runCli('upload', '--session', '1', '--file', path.join(dir, 'missing.zip'), '--credentials', path.join(dir, `${ROOM1}.json`));
    expect(r.code).to.not.equal(0);
    expect(r.err).to.match(/[\u4e00-\u9fa5]|ENOENT/);
  });

  it('the centre opens a collected package with its result key to exactly the answers written; another key does not open it', async () => {
    const proctor = await c.proctor('11003003');
    const answer = (ticketNo: string, subjectCode: string): Buffer => Buffer.from(`答卷 ${ticketNo} ${subjectCode} ` + 'x'.repeat(500));
    const pkg = await c.writePackage(proctor, 1, { answer });
    const imported = await c.site.admin.post('/api/collection/import?name=p.zip', fs.readFileSync(pkg.file), { 'content-type': 'application/zip' });
    expect(imported.status).to.equal(200);
    // The bytes the site stored are what 第二步 sends to the centre.
    const row = (await c.site.server.store.manager.findOneBy(CollectedResultRow, { roomCode: '11003003', sessionNo: 1 }))!;
    const stored = path.join(c.site.server.dataDir, 'plugins', 'collection', row.file);
    const opened = await openResultPackage(stored, c.centreResultKey.privateKeyPem);
    expect(opened.answers.size).to.equal(pkg.manifest.files.length).and.to.be.greaterThan(0);
    for (const f of pkg.manifest.files) expect(opened.answers.get(`${f.ticketNo}/${f.subjectCode}`)!.equals(answer(f.ticketNo, f.subjectCode))).to.equal(true);
    const { generateWrappingKeyPair } = await import('../../../core/crypto/wrap');
    let refused = false;
    await openResultPackage(stored, generateWrappingKeyPair().privateKeyPem).catch(() => (refused = true));
    expect(refused).to.equal(true);
  });
});
