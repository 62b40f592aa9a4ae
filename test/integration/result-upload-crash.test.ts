// Issue 12 "done when": kill -9 of the real product while a proctor uploads its result package,
// restart on the same data folder, resume with a stock tus-js-client: the package collected
// before the crash is still there, the cut one was not accepted, and the resumed upload ends
// accepted with the right hash.
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { generateWrappingKeyPair } from '../../core/crypto/wrap';
import { TestClient } from '../../core/testing/http-client';
import { makeTempDir } from '../../core/testing/test-server';
import { buildPackage, newCentreKey } from './registration/site-harness';
import { ProctorClient } from '../sim/proctor/proctor-client';
import { answerBytesFor, subjectsOfSession, writeResultPackage, type WrittenResultPackage } from '../sim/proctor/result-package';
import { uploadResultOverHttp } from '../sim/proctor/result-upload';
import { ProductProcess, filesUnder } from './product-process';

const MB = 1024 * 1024;

function collected(dataDir: string): { roomCode: string; sessionNo: number; packageSha256: string; file: string }[] {
  const db = new Database(path.join(dataDir, 'examsite.sqlite'), { readonly: true, fileMustExist: true });
  try {
    expect((db.pragma('integrity_check') as { integrity_check: string }[])[0]!.integrity_check).to.equal('ok');
    return db.prepare('SELECT roomCode, sessionNo, packageSha256, file FROM collection_result ORDER BY roomCode').all() as never;
  } finally {
    db.close();
  }
}

describe('result upload survives kill -9 of the product (issue 12 point 2)', function () {
  this.timeout(180_000);
  const dataDir = makeTempDir('examsite-upload-crash-');
  let product: ProductProcess | null = null;
  after(async () => {
    await product?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('SIGKILL mid-upload: committed results kept, nothing partial accepted, tus-js-client resumes to the right hash', async () => {
    const key = newCentreKey();
    const centreResultKey = generateWrappingKeyPair();
    product = await ProductProcess.start({ dataDir, centreKeys: [key.publicKey] });
    const admin = new TestClient(product.url);
    await admin.login();
    expect((await admin.put('/api/settings', { siteCode: '11003', mode: 'mock' })).status).to.equal(200);
    const pkg = await buildPackage(key, { resultEncryptionKey: centreResultKey.publicKey });
    expect((await admin.post('/api/load/import', pkg.bytes, { 'content-type': 'application/zip' })).status).to.equal(200);
    const rooms = (await admin.get<{ rooms: { roomCode: string; registrationCode: string }[] }>('/api/registration/rooms')).body.rooms;
    const [first, second] = rooms as [{ roomCode: string; registrationCode: string }, { roomCode: string; registrationCode: string }];

    const packageOf = async (p: ProctorClient, bytes: number): Promise<WrittenResultPackage> => {
      const room = await p.room();
      const subjects = subjectsOfSession(room, 1);
      const c = p.credentials!;
      return writeResultPackage(
        {
          siteCode: room.siteCode,
          mode: 'mock',
          roomCode: c.roomCode,
          sessionNo: 1,
          registrationId: c.registrationId,
          signingPrivateKeyPem: c.signingPrivateKeyPem!,
          centreResultKey: room.resultEncryptionKey!,
          subjects,
          answerBytes: answerBytesFor(bytes, subjects),
        },
        path.join(dataDir, '..', `${path.basename(dataDir)}-out`, `${c.roomCode}.zip`),
      );
    };
    const register = async (r: { roomCode: string; registrationCode: string }): Promise<ProctorClient> => {
      const p = new ProctorClient(product!.url);
      await p.register({ roomCode: r.roomCode, registrationCode: r.registrationCode, machineId: `pc-${r.roomCode}`, clientVersion: '1.0.0' });
      return p;
    };
    const committedProctor = await register(first);
    const cutProctor = await register(second);

    // Committed before the crash: acknowledged with a receipt.
    const small = await packageOf(committedProctor, 200_000);
    const receipt = await uploadResultOverHttp(committedProctor, 1, small.file, { sha256: small.sha256 });
    expect(receipt.duplicate).to.equal(false);

    // Cut by SIGKILL while the PATCH bodies stream in.
    const big = await packageOf(cutProctor, 40 * MB);
    let uploadUrl: string | null = null;
    let killing: Promise<void> | null = null;
    const running = product;
    const cut = await uploadResultOverHttp(cutProctor, 1, big.file, {
      sha256: big.sha256,
      chunkSize: 4 * MB,
      retryDelays: [],
      onUploadUrl: (u) => (uploadUrl = u),
      onProgress: (sent) => {
        if (!killing && sent > big.size * 0.4) killing = running.crash();
      },
    }).then(
      () => 'finished',
      () => 'cut',
    );
    await killing;
    expect(cut).to.equal('cut');
    expect(uploadUrl).to.not.equal(null);
    expect(running.child.signalCode).to.equal('SIGKILL');

    // Down: exactly the committed result, the cut one not accepted.
    expect(collected(dataDir).map((r) => [r.roomCode, r.packageSha256])).to.deep.equal([[first.roomCode, small.sha256]]);

    product = await ProductProcess.start({ dataDir, centreKeys: [key.publicKey] });
    const resumed = new ProctorClient(product.url, { ...cutProctor.credentials!, siteUrl: product.url });
    const url = new URL(new URL(uploadUrl!).pathname, product.url).toString();
    const head = await fetch(url, { method: 'HEAD', headers: { ...resumed.authHeader(), 'Tus-Resumable': '1.0.0' } });
    expect(head.status).to.equal(200);
    const offset = Number(head.headers.get('upload-offset'));
    expect(offset, 'bytes kept across the crash').to.be.below(big.size);
    expect(collected(dataDir).map((r) => r.roomCode), 'still not accepted after the restart').to.deep.equal([first.roomCode]);

    let resentFrom = -1;
    const answer = await uploadResultOverHttp(resumed, 1, big.file, {
      sha256: big.sha256,
      uploadUrl: url,
      chunkSize: 4 * MB,
      onProgress: (sent) => {
        if (resentFrom < 0) resentFrom = sent;
      },
    });
    // tus-js-client asked the site for its offset and went on from there, not from byte 0.
    expect(resentFrom).to.be.at.least(offset);
    expect((answer.receipt as { body: { packageSha256: string } }).body.packageSha256).to.equal(big.sha256);
    await product.stop();
    product = null;

    const rows = collected(dataDir);
    expect(rows.map((r) => [r.roomCode, r.packageSha256])).to.deep.equal([
      [first.roomCode, small.sha256],
      [second.roomCode, big.sha256],
    ]);
    for (const r of rows) {
      const bytes = fs.readFileSync(path.join(dataDir, 'plugins', 'collection', r.file));
      expect(createHash('sha256').update(bytes).digest('hex')).to.equal(r.packageSha256);
    }
    // Nothing partial left behind once the resumed upload was accepted.
    expect(filesUnder(path.join(dataDir, 'plugins', 'collection')).filter((f) => !f.startsWith('results'))).to.deep.equal([]);
    console.log(`      kept across SIGKILL: ${(offset / MB).toFixed(1)} of ${(big.size / MB).toFixed(1)} MB`);
  });
});
