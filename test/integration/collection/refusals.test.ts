// Issue 12 point 1: every refusal of a result package, through the real intake over each way
// in (HTTP/tus, 手动回收, FTP): a Chinese message that says what is wrong, and nothing changed —
// the collection, outbox, audit and report tables and the plugin's files are identical
// before and after.
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { FTPError } from 'basic-ftp';
import { generateSigningKeyPair } from '../../../core/crypto/signing';
import type { ProctorClient } from '../../sim/proctor/proctor-client';
import { proctorRefusal } from '../../sim/proctor/proctor-refusal';
import type { ResultPackageSpec } from '../../sim/proctor/result-package';
import { uploadResultOverHttp } from '../../sim/proctor/result-upload';
import { resultIntakeRef } from '../../../plugins/collection/api';
import { declare, ftpLogin, sha256Of, startFtpSite, streamOf, type FtpSite } from './ftp-harness';

const TABLES = ['collection_result', 'collection_conflict', 'collection_report_backup', 'collection_report_ack', 'centre_outbox', 'core_audit_log'];

interface Refused {
  readonly code: string;
  readonly message: string;
}

interface RefusalCase {
  readonly name: string;
  /** The package (its bytes) for ROOM1 session 1, as the proctor would send it. */
  readonly make: () => Promise<Buffer>;
  /** Expected code per way in (regex source); the message must match `text`. */
  readonly code: { http: string; manual: string };
  readonly text: RegExp;
}

describe('结果数据包 refusals through the real intake: Chinese message, nothing changed (issue 12 point 1)', function () {
  this.timeout(120_000);
  let site: FtpSite;
  let room: string;
  let other: string;
  let proctor: ProctorClient;

  before(async () => {
    site = await startFtpSite();
    [room, other] = site.rooms as [string, string];
    proctor = site.proctor(room);
    // Something is collected already, so "unchanged" compares non-empty tables.
    const accepted = await site.collection.writePackage(site.proctor(other), 1);
    await uploadResultOverHttp(site.proctor(other), 1, accepted.file, { sha256: accepted.sha256 });
  });
  after(() => site.stop());

  const write = async (over: Partial<ResultPackageSpec> = {}, sessionNo = 1): Promise<Buffer> =>
    fs.promises.readFile((await site.collection.writePackage(proctor, sessionNo, over)).file);

  /** Every row of the tables that a collected result touches, and every file of the plugin folder. */
  async function snapshot(): Promise<unknown> {
    const rows: Record<string, unknown> = {};
    for (const t of TABLES) {
      // The outbox keeps retrying the earlier package's report meanwhile: its delivery bookkeeping is not the refusal's doing.
      const columns = t === 'centre_outbox' ? 'id, kind, "idempotencyKey", payload, "createdAt"' : '*';
      rows[t] = await site.server.store.manager.query(`SELECT ${columns} FROM ${t} ORDER BY 1`);
    }
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else files.push(`${path.relative(site.server.dataDir, p)} ${fs.statSync(p).size}`);
      }
    };
    walk(path.join(site.server.dataDir, 'plugins', 'collection'));
    return { rows, files: files.sort() };
  }

  const flipAt = (bytes: Buffer, marker: string, offset: number): Buffer => {
    const out = Buffer.from(bytes);
    const i = out.indexOf(Buffer.from(marker));
    if (i < 0) throw new Error(`marker ${marker} not in the package`);
    out[i + offset] = (out[i + offset] as number) ^ 0x01;
    return out;
  };

  const cases = (): RefusalCase[] => [
    {
      name: 'tampered manifest',
      make: async () => flipAt(await write(), '"createdAt"', 3),
      code: { http: 'RESULT_SIGNATURE_INVALID|RESULT_PACKAGE_INVALID', manual: 'RESULT_SIGNATURE_INVALID|RESULT_PACKAGE_INVALID|RESULT_MANIFEST_INVALID' },
      text: /篡改|损坏|无法读取/,
    },
    {
      name: 'tampered answer file',
      make: async () => {
        const out = await write({ answerBytes: 4096 });
        // Entries: manifest.json, manifest.sig, then the answers; flip a byte inside the first answer's data.
        let header = -1;
        for (let i = 0; i < 3; i++) header = out.indexOf(Buffer.from([0x50, 0x4b, 0x03, 0x04]), header + 1);
        const data = header + 30 + out.readUInt16LE(header + 26) + out.readUInt16LE(header + 28);
        out[data + 100] = (out[data + 100] as number) ^ 0x01;
        return out;
      },
      code: { http: 'RESULT_FILE_MISMATCH|RESULT_PACKAGE_INVALID', manual: 'RESULT_FILE_MISMATCH|RESULT_PACKAGE_INVALID' },
      text: /篡改|损坏|不符/,
    },
    {
      name: 'truncated',
      make: async () => {
        const bytes = await write({ answerBytes: 4096 });
        return bytes.subarray(0, Math.floor(bytes.length * 0.6));
      },
      code: { http: 'RESULT_PACKAGE_INVALID', manual: 'RESULT_PACKAGE_INVALID' },
      text: /无法读取/,
    },
    { name: 'another site', make: () => write({ siteCode: '11004' }), code: { http: 'RESULT_OTHER_SITE', manual: 'RESULT_OTHER_SITE' }, text: /属于考点 11004，不是本考点 11003/ },
    { name: 'another mode', make: () => write({ mode: 'formal' }), code: { http: 'RESULT_OTHER_MODE', manual: 'RESULT_OTHER_MODE' }, text: /是正式考试的数据，本考点当前为模拟考试/ },
    {
      name: 'another room',
      make: () => write({ roomCode: '11003002' }),
      // By hand the manifest's own room is checked: its registered PC did not sign it.
      code: { http: 'RESULT_OTHER_ROOM', manual: 'RESULT_SIGNED_BY_OTHER' },
      text: /不是考场 11003001 的数据|不是考场 11003002 当前注册的监考机签名的/,
    },
    {
      name: 'another session',
      make: () => write({ sessionNo: 2 }),
      // By hand the package claims session 2 throughout, but names session 1's subjects and candidates.
      code: { http: 'RESULT_OTHER_SESSION', manual: 'RESULT_SUBJECT_UNKNOWN|RESULT_CANDIDATE_UNKNOWN|RESULT_MANIFEST_INVALID' },
      text: /第 2 场/,
    },
    {
      name: 'signed by another registration',
      make: () => write({ registrationId: 'an-earlier-registration' }),
      code: { http: 'RESULT_SIGNED_BY_OTHER', manual: 'RESULT_SIGNED_BY_OTHER' },
      text: /另一次注册/,
    },
    {
      name: 'signed by another key',
      make: () => write({ signingPrivateKeyPem: generateSigningKeyPair().privateKeyPem }),
      code: { http: 'RESULT_SIGNED_BY_OTHER', manual: 'RESULT_SIGNED_BY_OTHER' },
      text: /不是考场 11003001 当前注册的监考机签名的/,
    },
    {
      name: 'a candidate who is not the room’s',
      make: async () => {
        const otherRoom = await site.proctor(other).room();
        const stranger = otherRoom.candidates.find((c) => c.sessionNo === 1)!.ticketNo;
        return write({ editManifest: (m) => void m.subjects[0]!.absent.push(stranger) });
      },
      code: { http: 'RESULT_CANDIDATE_UNKNOWN', manual: 'RESULT_CANDIDATE_UNKNOWN' },
      text: /不是考场 11003001 第 1 场科目 .+ 的考生/,
    },
    {
      name: 'an answer file whose size disagrees with the manifest',
      make: () => write({ editManifest: (m) => void (m.files[0]!.size += 1) }),
      code: { http: 'RESULT_FILE_MISMATCH', manual: 'RESULT_FILE_MISMATCH' },
      text: /大小与清单不符/,
    },
    {
      name: 'an answer file whose SHA-256 disagrees with the manifest',
      make: () => write({ editManifest: (m) => void (m.files[0]!.sha256 = '0'.repeat(64)) }),
      code: { http: 'RESULT_FILE_MISMATCH', manual: 'RESULT_FILE_MISMATCH' },
      text: /SHA-256 与清单不符/,
    },
  ];

  async function overHttp(bytes: Buffer, sha256 = sha256Of(bytes)): Promise<Refused> {
    const file = path.join(site.server.dataDir, 'proctor-out', 'refused.zip');
    fs.writeFileSync(file, bytes);
    return proctorRefusal(uploadResultOverHttp(proctor, 1, file, { sha256, retryDelays: [] }));
  }

  async function byHand(bytes: Buffer): Promise<Refused & { status: number }> {
    const r = await site.admin.post<{ error: Refused }>('/api/collection/import?name=refused.zip', bytes, { 'content-type': 'application/zip' });
    return { status: r.status, ...r.body.error };
  }

  const chinese = (what: string, r: Refused): void => {
    expect(r.message, what).to.match(/[\u4e00-\u9fa5]/);
    expect(r.message, what).to.not.match(/Error|undefined|\bat \w|[{}]/);
  };

  for (const way of ['http', 'manual'] as const) {
    it(`over ${way === 'http' ? 'HTTP (tus)' : '手动回收'}: each refusal says why in Chinese and changes nothing`, async () => {
      for (const k of cases()) {
        const bytes = await k.make();
        const before = await snapshot();
        const r: Refused = way === 'http' ? await overHttp(bytes) : await byHand(bytes);
        if ('status' in r) expect(r.status, k.name).to.be.oneOf([403, 422]);
        expect(r.code, k.name).to.match(new RegExp(`^(${k.code[way]})$`));
        expect(r.message, k.name).to.match(k.text);
        chinese(k.name, r);
        expect(await snapshot(), `${k.name}: nothing changed`).to.deep.equal(before);
      }
    });
  }

  it('over HTTP: a package whose bytes disagree with the declared SHA-256 is refused and nothing changes', async () => {
    const bytes = await write();
    const before = await snapshot();
    const r = await overHttp(bytes, createHash('sha256').update('something else').digest('hex'));
    expect(r.code).to.match(/^(UPLOAD|RESULT)_HASH_MISMATCH$/);
    expect(r.message, r.message).to.match(/SHA-256.*不一致/);
    chinese('declared hash', r);
    expect(await snapshot()).to.deep.equal(before);
  });

  it('over FTP: a tampered package that matches its declaration is refused by the intake and nothing changes', async () => {
    const bytes = flipAt(await write(), '"createdAt"', 3);
    const before = await snapshot();
    const intent = await declare(site, room, 1, bytes);
    const ftp = await ftpLogin(site, room, proctor.credentials!.token);
    try {
      const e = await ftp.uploadFrom(streamOf(bytes), intent.fileName).then(
        () => null,
        (err: unknown) => err,
      );
      expect(e).to.be.instanceOf(FTPError);
      expect((e as FTPError).message).to.match(/篡改|损坏|无法读取/);
    } finally {
      ftp.close();
    }
    const status = await site.admin.get(`/api/status`);
    expect(status.status).to.equal(200);
    expect(await snapshot()).to.deep.equal(before);
  });

  it('a file no sink hashed while writing it is hashed by the intake itself: a wrong declared SHA-256 is refused, nothing changes', async () => {
    const bytes = await write();
    const file = path.join(site.server.dataDir, 'plugins', 'collection', 'handed-over.zip');
    fs.writeFileSync(file, bytes);
    const before = await snapshot();
    const intake = await site.server.kernel.get(resultIntakeRef);
    const wrong = { size: bytes.length, sha256: createHash('sha256').update('another file').digest('hex') };
    const refused = await intake.acceptFile(room, 1, file, wrong, 'manual').then(
      () => null,
      (e: unknown) => e as { code?: string; message?: string },
    );
    expect(refused?.code).to.equal('RESULT_HASH_MISMATCH');
    expect(refused?.message).to.match(/SHA-256 与声明的不一致/);
    expect(await snapshot()).to.deep.equal(before);
    fs.rmSync(file);
  });
});
