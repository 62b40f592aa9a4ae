import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { keyIdOf, signingPublicKeyOf } from '../../core/crypto/signing';
import { SoftDongle } from '../../core/dongle/soft-dongle';
import { TestClient } from '../../core/testing/http-client';
import { makeTempDir } from '../../core/testing/test-server';
import { waitFor } from '../../core/testing/wait-for';
import { RESULT_MANIFEST_ENTRY, RESULT_SIGNATURE_ENTRY } from '../../plugins/collection/api/result-package-format';
import { ROOM1, ROOM2, startCollectionSite, type CollectionSite } from '../integration/collection/collection-harness';
import { PROCTOR_API_PREFIX } from '../../plugins/registration/api';
import { BAK_DONGLE_LABEL, BAK_MANIFEST_ENTRY, bakKey } from '../../plugins/system/server/backup/bak-format';
import { plugin as systemPlugin } from '../../plugins/system/server/plugin';
import type { ProctorClient } from '../sim/proctor/proctor-client';
import { uploadResultOverHttp } from '../sim/proctor/result-upload';
import { bakMutators, canonicalBak } from './bak-mutators';
import { byteMutators, type Mutator } from './byte-mutators';
import { campaignOptionsFromEnv, runCampaign, type FuzzTarget, type ImportAnswer } from './fuzz-campaign';
import { AUDIT_TABLES, answers, expectClean, postFile } from './fuzz-checks';
import { BACKGROUND_COLUMNS, filesSnapshot, tablesSnapshot } from './site-snapshot';
import { canonicalZip, zipMutators } from './zip-mutators';
import { sha256Hex } from '../../core/crypto/hash';

/**
 * Issue 15 point 3, the two file types the first fuzzer could not reach: the 结果数据包 (through
 * 手动回收 and through the proctor's tus upload) and the 系统备份 .bak (through 系统恢复, which
 * must refuse before anything changes). Same campaign, same figures as hostile-files.test.ts.
 */
const options = campaignOptionsFromEnv();

/** The proctor's own signing key: a mutant re-signed with it gets past the signature. */
function proctorKey(p: ProctorClient): { privateKeyPem: string; keyId: string } {
  const pem = p.credentials!.signingPrivateKeyPem!;
  return { privateKeyPem: pem, keyId: keyIdOf(signingPublicKeyOf(pem)) };
}

function resultMutators(p: ProctorClient): Mutator[] {
  return [...byteMutators, ...zipMutators({ manifestEntry: RESULT_MANIFEST_ENTRY, sigEntry: RESULT_SIGNATURE_ENTRY, key: proctorKey(p) })];
}

/** tus creation-with-upload: the whole mutant in one request, its own SHA-256 declared (an honest PC sending a bad file). */
async function tusUpload(site: CollectionSite, p: ProctorClient, sessionNo: number, bytes: Buffer): Promise<ImportAnswer> {
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  const res = await fetch(`${site.site.url}${PROCTOR_API_PREFIX}/rooms/${p.credentials!.roomCode}/sessions/${sessionNo}/results`, {
    method: 'POST',
    headers: {
      ...p.authHeader(),
      'Tus-Resumable': '1.0.0',
      'Upload-Length': String(bytes.length),
      'Upload-Metadata': `sha256 ${b64(sha256Hex(bytes))},filename ${b64('result.zip')}`,
      'Content-Type': 'application/offset+octet-stream',
    },
    body: bytes,
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: the campaign reports it as a refusal without a Chinese message
  }
  return { status: res.status, body };
}

describe('Hostile files: result packages and backups (issue 15 point 3)', function () {
  this.timeout(2 * options.timeCapMs + 240_000);

  describe('结果数据包 (a site with a collected result for the same room and session)', () => {
    let site: CollectionSite;
    let proctor: ProctorClient;
    let original: Buffer;

    before(async () => {
      site = await startCollectionSite();
      proctor = await site.proctor(ROOM1);
      // Another room collected too, so "unchanged" compares non-empty tables.
      const other = await site.proctor(ROOM2);
      const o = await site.writePackage(other, 1);
      await uploadResultOverHttp(other, 1, o.file, { sha256: o.sha256 });
      original = fs.readFileSync((await site.writePackage(proctor, 1)).file);
      expect(canonicalZip(original)).to.not.equal(null);
      const first = await postFile(site.site.admin, '/api/collection/import?name=result.zip', original, 'application/zip');
      expect(first.status, JSON.stringify(first.body)).to.equal(200);
    });
    after(() => site.stop());

    const target = (fileType: string, send: (bytes: Buffer) => Promise<ImportAnswer>): FuzzTarget => ({
      fileType,
      original,
      mutators: resultMutators(proctor),
      canonical: canonicalZip,
      send,
      snapshot: async () => `${await tablesSnapshot(site.site.server.store, AUDIT_TABLES, BACKGROUND_COLUMNS)}\n${filesSnapshot(site.site.server.dataDir)}`,
      alive: () => answers(site.site.admin),
      keptAside: (a) => (a.body as { error?: { code?: string } } | null)?.error?.code === 'RESULT_CONFLICT',
    });

    it('手动回收 (POST /api/collection/import): every non-equivalent mutant is refused and changes nothing', async () => {
      expectClean(await runCampaign(target('result-package (manual)', (bytes) => postFile(site.site.admin, '/api/collection/import?name=result.zip', bytes, 'application/zip')), options), options.seed);
    });

    it('上报 over tus (POST …/rooms/<room>/sessions/1/results with the whole file): the same', async () => {
      expectClean(await runCampaign(target('result-package (tus)', (bytes) => tusUpload(site, proctor, 1, bytes)), options), options.seed);
    });
  });

  it('系统备份 .bak (POST /api/system/restore): refused before anything changes', async () => {
    const site = await startCollectionSite({ extraPlugins: [systemPlugin] });
    const backups = makeTempDir('examsite-fuzz-bak-');
    const cases = makeTempDir('examsite-fuzz-bak-case-');
    try {
      const other = await site.proctor(ROOM2);
      const o = await site.writePackage(other, 1);
      await uploadResultOverHttp(other, 1, o.file, { sha256: o.sha256 });
      let admin = site.site.admin;
      const made = await admin.post<{ file: string }>('/api/system/backups', { folder: backups, note: 'fuzz' });
      expect(made.status, JSON.stringify(made.body)).to.equal(200);
      const original = fs.readFileSync(made.body.file);
      const server = site.site.server;
      // The key the site seals its backups with (test-side: the soft dongle's file).
      const dongle = await SoftDongle.open(server.dataDir);
      const key = bakKey(await dongle.deriveKey(BAK_DONGLE_LABEL), '11003');
      const zips = [...byteMutators, ...zipMutators({ manifestEntry: BAK_MANIFEST_ENTRY, sigEntry: 'no-signature-in-a-backup', key: { privateKeyPem: '', keyId: '' } })].filter(
        (m) => m.name !== 'foreign-key',
      );
      const caseFile = path.join(cases, 'case.bak');
      let restartsBefore = server.restarts;
      const target: FuzzTarget = {
        fileType: 'backup.bak',
        original,
        mutators: [...byteMutators, ...bakMutators(key, zips)],
        canonical: canonicalBak(key),
        async send(bytes) {
          fs.writeFileSync(caseFile, bytes);
          restartsBefore = server.restarts;
          return postFile(admin, '/api/system/restore', Buffer.from(JSON.stringify({ file: caseFile })), 'application/json');
        },
        snapshot: async () => `${await tablesSnapshot(server.store, AUDIT_TABLES, BACKGROUND_COLUMNS)}\n${filesSnapshot(server.dataDir)}`,
        alive: () => answers(admin),
        async reset() {
          // An equivalent backup was restored: wait for the host to come back and log in again.
          await waitFor('the host restarted after the restore', () => server.restarts > restartsBefore, 30_000);
          admin = new TestClient(server.url);
          await admin.login();
        },
      };
      expectClean(await runCampaign(target, options), options.seed);
    } finally {
      await site.stop();
      fs.rmSync(backups, { recursive: true, force: true });
      fs.rmSync(cases, { recursive: true, force: true });
    }
  });
});
