import { expect } from 'chai';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { verifyDongleSignature } from '../../../core/dongle/dongle';
import { AuditLogRow } from '../../../core/store/core-entities';
import type { ProctorClient } from '../../sim/proctor/proctor-client';
import { uploadResultOverHttp } from '../../sim/proctor/result-upload';
import { CollectedResultRow, ResultConflictRow } from '../../../plugins/collection/server/result-rows';
import { ROOM1, ROOM2, startCollectionSite, type CollectionSite } from './collection-harness';
import { proctorRefusal as refusal } from '../../sim/proctor/proctor-refusal';


describe('数据回收: result packages over HTTP (tus), exactly once (issue 12 points 1, 2, 4)', function () {
  this.timeout(60_000);
  let c: CollectionSite;
  let proctor: ProctorClient;

  beforeEach(async () => {
    c = await startCollectionSite();
    proctor = await c.proctor(ROOM1);
  });
  afterEach(async () => {
    await c.stop();
  });

  const stored = (): Promise<CollectedResultRow[]> => c.site.server.store.manager.find(CollectedResultRow);

  it('a stock tus-js-client uploads; the answer is a receipt signed by the site dongle', async () => {
    const pkg = await c.writePackage(proctor, 1);
    const answer = await uploadResultOverHttp(proctor, 1, pkg.file, { sha256: pkg.sha256, chunkSize: 4096 });
    expect(answer.duplicate).to.equal(false);
    const receipt = answer.receipt as { payload: string; sig: string; signingPublicKey: string; body: { packageSha256: string; roomCode: string; sessionNo: number; via: string } };
    expect(receipt.body).to.include({ packageSha256: pkg.sha256, roomCode: ROOM1, sessionNo: 1, via: 'http' });
    const payload = Buffer.from(receipt.payload, 'base64');
    const challenge = createHash('sha256').update(payload).digest();
    expect(verifyDongleSignature(challenge, Buffer.from(receipt.sig, 'base64'), receipt.signingPublicKey)).to.equal(true);
    const rows = await stored();
    expect(rows.map((r) => [r.roomCode, r.sessionNo, r.packageSha256])).to.deep.equal([[ROOM1, 1, pkg.sha256]]);
    expect(fs.existsSync(`${c.site.server.dataDir}/plugins/collection/${rows[0]!.file}`)).to.equal(true);
  });

  it('an interrupted upload resumes from the stored offset and ends with the right hash', async () => {
    const pkg = await c.writePackage(proctor, 1, { answerBytes: 40_000 });
    let url: string | null = null;
    const stopped = await refusal(
      uploadResultOverHttp(proctor, 1, pkg.file, { sha256: pkg.sha256, chunkSize: 16 * 1024, retryDelays: [], stopAfterBytes: 48 * 1024, onUploadUrl: (u) => (url = u) }),
    );
    expect(stopped.code).to.equal('ABORTED');
    expect(url).to.not.equal(null);
    const head = await fetch(new URL(url!, c.site.url), { method: 'HEAD', headers: { ...proctor.authHeader(), 'Tus-Resumable': '1.0.0' } });
    const offset = Number(head.headers.get('upload-offset'));
    expect(offset).to.be.at.least(48 * 1024).and.lessThan(pkg.size);
    expect(await stored()).to.deep.equal([]);
    const again = await uploadResultOverHttp(proctor, 1, pkg.file, { sha256: pkg.sha256, uploadUrl: url, chunkSize: 16 * 1024 });
    expect((again.receipt as { body: { packageSha256: string } }).body.packageSha256).to.equal(pkg.sha256);
    expect((await stored()).map((r) => r.packageSha256)).to.deep.equal([pkg.sha256]);
  });

  it('the same package again returns the same receipt and changes nothing; a different one is kept aside as a conflict', async () => {
    const pkg = await c.writePackage(proctor, 1);
    const first = await uploadResultOverHttp(proctor, 1, pkg.file, { sha256: pkg.sha256 });
    const auditBefore = await c.site.server.store.manager.count(AuditLogRow);
    const second = await uploadResultOverHttp(proctor, 1, pkg.file, { sha256: pkg.sha256 });
    expect(second.duplicate).to.equal(true);
    expect(second.receipt).to.deep.equal(first.receipt);
    expect(await c.site.server.store.manager.count(AuditLogRow)).to.equal(auditBefore);

    const other = await c.writePackage(proctor, 1);
    const e = await refusal(uploadResultOverHttp(proctor, 1, other.file, { sha256: other.sha256 }));
    expect(e.code).to.equal('RESULT_CONFLICT');
    expect(e.message).to.contain('已另行保存，等待考点管理员');
    expect((await stored()).map((r) => r.packageSha256)).to.deep.equal([pkg.sha256]);
    const conflicts = await c.site.server.store.manager.find(ResultConflictRow);
    expect(conflicts.map((x) => x.packageSha256)).to.deep.equal([other.sha256]);
  });

  it('refuses with a Chinese message and changes nothing: tampered, another room, another session, another signer, foreign candidates', async () => {
    const auditBefore = await c.site.server.store.manager.count(AuditLogRow);
    const cases: { name: string; make: () => Promise<{ file: string; sha256: string }>; session?: number; code: string; text: RegExp }[] = [
      {
        name: 'tampered manifest (signature breaks)',
        make: async () => {
          const p = await c.writePackage(proctor, 1);
          const bytes = fs.readFileSync(p.file);
          const i = bytes.indexOf(Buffer.from('"createdAt"'));
          bytes[i + 2] = 'X'.charCodeAt(0);
          fs.writeFileSync(p.file, bytes);
          return { file: p.file, sha256: createHash('sha256').update(bytes).digest('hex') };
        },
        code: 'RESULT_PACKAGE_INVALID|RESULT_SIGNATURE_INVALID',
        text: /篡改|损坏|无法读取/,
      },
      { name: 'another room', make: () => c.writePackage(proctor, 1, { roomCode: ROOM2 }), code: 'RESULT_OTHER_ROOM', text: /不是考场 11003001 的数据/ },
      { name: 'another session', make: () => c.writePackage(proctor, 1, { sessionNo: 2 }), code: 'RESULT_OTHER_SESSION', text: /是第 2 场的数据/ },
      {
        name: 'signed by another key',
        make: async () => c.writePackage(proctor, 1, { signingPrivateKeyPem: (await import('../../../core/crypto/signing')).generateSigningKeyPair().privateKeyPem }),
        code: 'RESULT_SIGNED_BY_OTHER',
        text: /不是考场 11003001 当前注册的监考机签名的/,
      },
      {
        name: 'a candidate that is not the room’s',
        make: () =>
          c.writePackage(proctor, 1, {
            editManifest: (m) => {
              m.subjects[0]!.absent.push('999999999');
            },
          }),
        code: 'RESULT_CANDIDATE_UNKNOWN',
        text: /考生 999999999 不是考场 11003001/,
      },
    ];
    for (const k of cases) {
      const p = await k.make();
      const e = await refusal(uploadResultOverHttp(proctor, k.session ?? 1, p.file, { sha256: p.sha256 }));
      expect(e.code, k.name).to.match(new RegExp(`^(${k.code})$`));
      expect(e.message, k.name).to.match(k.text);
    }
    expect(await stored()).to.deep.equal([]);
    expect(await c.site.server.store.manager.count(ResultConflictRow)).to.equal(0);
    expect(await c.site.server.store.manager.count(AuditLogRow)).to.equal(auditBefore);
  });

  it('a proctor cannot upload into another room (scope of the route)', async () => {
    const pkg = await c.writePackage(proctor, 1);
    const bytes = fs.readFileSync(pkg.file);
    const res = await fetch(proctor.url(`/rooms/${ROOM2}/sessions/1/results`), {
      method: 'POST',
      headers: { ...proctor.authHeader(), 'Tus-Resumable': '1.0.0', 'Upload-Length': String(bytes.length), 'Upload-Metadata': `sha256 ${Buffer.from(pkg.sha256).toString('base64')}` },
    });
    expect(res.status).to.equal(403);
  });

  it('手动回收: importing the same packages twice gives one result per file and changes nothing the second time', async () => {
    const p1 = await c.writePackage(proctor, 1);
    const p2 = await c.writePackage(await c.proctor(ROOM2), 1);
    const post = (file: string) => c.site.admin.post(`/api/collection/import?name=${encodeURIComponent(file.split('/').pop()!)}`, fs.readFileSync(file), { 'content-type': 'application/zip' });
    const first = [await post(p1.file), await post(p2.file)];
    expect(first.map((r) => r.status)).to.deep.equal([200, 200]);
    expect(first.map((r) => (r.body as { duplicate: boolean }).duplicate)).to.deep.equal([false, false]);
    const rowsBefore = await stored();
    const second = [await post(p1.file), await post(p2.file)];
    expect(second.map((r) => (r.body as { duplicate: boolean }).duplicate)).to.deep.equal([true, true]);
    expect(await stored()).to.deep.equal(rowsBefore);
    const junk = await c.site.admin.post('/api/collection/import?name=x.zip', Buffer.from('not a zip'), { 'content-type': 'application/zip' });
    expect(junk.status).to.equal(422);
    expect((junk.body as { error: { message: string } }).error.message).to.contain('文件“x.zip”无法读取');

    const table = await c.site.admin.get<{ rows: { roomCode: string; sessionNo: number; packageCollected: boolean; collected: number[] }[]; totals: { collected: number[] } }>('/api/collection/table?session=1');
    expect(table.status).to.equal(200);
    expect(table.body.rows.filter((r) => r.packageCollected).map((r) => r.roomCode)).to.deep.equal([ROOM1, ROOM2]);
  });
});
