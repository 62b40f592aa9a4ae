import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { generateWrappingKeyPair } from '../../../core/crypto/wrap';
import type { ExamMode } from '../../../core/settings/site-settings';
import type { TestClient } from '../../../core/testing/http-client';
import { makeTempDir, type TestServer } from '../../../core/testing/test-server';
import { filesSnapshot, tablesSnapshot } from '../../fuzz/site-snapshot';
import { issueAuthorization } from '../../sim/centre/authorization-issuer';
import { ProctorClient } from '../../sim/proctor/proctor-client';
import { proctorRefusal } from '../../sim/proctor/proctor-refusal';
import { subjectsOfSession, writeResultPackage } from '../../sim/proctor/result-package';
import { uploadResultOverHttp } from '../../sim/proctor/result-upload';
import { startAuthorizationSite } from '../authorization/authorization-harness';
import { createCollectionPlugin } from '../../../plugins/collection/server/plugin';
import { buildPackage, newCentreKey } from '../registration/site-harness';
import { restarted, startSystemSite } from './system-harness';
import { skipInPostgresPass } from '../../../core/testing/test-database';

const SITE = '11003';
const ROOM = '11003001';
const PASSWORD = 'Kd-2026-site';
/** Tables a refusal may touch: its audit line. */
const AUDIT_TABLES = ['core_audit_log', 'core_audit_chain'];

interface ErrorReply {
  error: { code: string; message: string };
}
interface Site {
  server: TestServer;
  admin: TestClient;
}

/**
 * Issue 13 point 5 (R9.6): 正式考试 and 模拟考试 never mix. Each kind of data of the other
 * mode is refused, both ways, with nothing changed; a mode switch with data loaded is
 * refused and sends to 初始化; after 初始化 nothing of the mock exam is left.
 */
describe('正式考试 / 模拟考试 separation (R9.6; issue 13 point 5)', function () {
  this.timeout(120_000);
  const key = newCentreKey();
  const resultKey = generateWrappingKeyPair();
  const cleanup: (() => Promise<void>)[] = [];

  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  const snapshot = async (s: Site): Promise<string> => `${await tablesSnapshot(s.server.store, AUDIT_TABLES)}\n${filesSnapshot(s.server.dataDir)}`;

  const setMode = async (s: Site, mode: ExamMode): Promise<void> => {
    const r = await s.admin.put('/api/settings', { siteCode: SITE, mode });
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
  };
  const importPackage = async (s: Site, mode: ExamMode): Promise<{ status: number; body: ErrorReply }> => {
    const pkg = await buildPackage(key, { siteCode: SITE, mode, resultEncryptionKey: resultKey.publicKey });
    return s.admin.post<ErrorReply>('/api/load/import', pkg.bytes, { 'content-type': 'application/zip' });
  };
  /** load + registration + collection + system, password changed (formal needs it), in `mode` with its exam data. */
  const startModeSite = async (mode: ExamMode): Promise<Site> => {
    const dataDir = makeTempDir('examsite-mode-');
    const s = await startSystemSite({ key, dataDir, extraPlugins: [createCollectionPlugin()], config: { labAllowSoftDongleFormal: true } });
    cleanup.push(async () => {
      await s.server.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });
    expect((await s.admin.put('/api/auth/password', { oldPassword: '888', newPassword: PASSWORD, confirmPassword: PASSWORD })).status).to.be.oneOf([200, 204]);
    await setMode(s, mode);
    expect((await importPackage(s, mode)).status).to.equal(200);
    return s;
  };
  const registeredProctor = async (s: Site): Promise<ProctorClient> => {
    const rooms = (await s.admin.get<{ rooms: { roomCode: string; registrationCode: string }[] }>('/api/registration/rooms')).body.rooms;
    const proctor = new ProctorClient(s.server.url);
    await proctor.register({ roomCode: ROOM, registrationCode: rooms.find((r) => r.roomCode === ROOM)!.registrationCode, machineId: 'pc-1', clientVersion: '1.0.0' });
    return proctor;
  };
  const resultPackage = async (s: Site, proctor: ProctorClient, mode: ExamMode): Promise<{ file: string; sha256: string }> => {
    const creds = proctor.credentials!;
    const room = await proctor.room();
    return writeResultPackage(
      {
        siteCode: SITE,
        mode,
        roomCode: ROOM,
        sessionNo: 1,
        registrationId: creds.registrationId,
        signingPrivateKeyPem: creds.signingPrivateKeyPem!,
        centreResultKey: room.resultEncryptionKey!,
        subjects: subjectsOfSession(room, 1),
        answerBytes: 1024,
      },
      path.join(s.server.dataDir, '..', `${path.basename(s.server.dataDir)}-${mode}-result.zip`),
    );
  };
  const initialize = async (s: Site): Promise<void> => {
    const before = s.server.restarts;
    expect((await s.admin.post('/api/system/initialize', { confirmation: SITE })).status).to.equal(200);
    await restarted(s.server, before);
    await s.admin.login('admin', PASSWORD);
  };
  const backup = async (s: Site): Promise<string> => {
    const folder = makeTempDir('examsite-mode-bak-');
    cleanup.push(async () => fs.rmSync(folder, { recursive: true, force: true }));
    const r = await s.admin.post<{ file: string }>('/api/system/backups', { folder, note: '' });
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    return r.body.file;
  };

  for (const [mode, other] of [
    ['formal', 'mock'],
    ['mock', 'formal'],
  ] as const) {
    it(`a ${mode} site refuses ${other} exam data and ${other} results, nothing changes`, async () => {
      const s = await startModeSite(mode);
      const proctor = await registeredProctor(s);
      const before = await snapshot(s);
      const pkg = await importPackage(s, other);
      expect(pkg.status).to.equal(422);
      expect(pkg.body.error.code).to.equal('PACKAGE_MODE_MISMATCH');
      expect(pkg.body.error.message).to.contain(`数据包是${other === 'formal' ? '正式考试' : '模拟考试'}数据`);
      const result = await resultPackage(s, proctor, other);
      const refused = await proctorRefusal(uploadResultOverHttp(proctor, 1, result.file, { sha256: result.sha256 }));
      expect(refused.code).to.equal('RESULT_OTHER_MODE');
      expect(refused.message).to.contain('不能回收');
      expect(await snapshot(s)).to.equal(before);
      fs.rmSync(result.file, { force: true });
      // The same site takes its own mode's result: the refusal above was the mode, not the package.
      const own = await resultPackage(s, proctor, mode);
      expect((await uploadResultOverHttp(proctor, 1, own.file, { sha256: own.sha256 })).duplicate).to.equal(false);
      fs.rmSync(own.file, { force: true });
    });

    it(`a ${mode} site refuses a ${other} authorization file, nothing changes`, async () => {
      const site = await startAuthorizationSite({ mode, labOverride: true });
      cleanup.push(() => site.stop());
      const before = JSON.stringify(await site.sessions());
      const r = await site.admin.post<ErrorReply>('/api/authorization/import', issueAuthorization(site.issueContext(1), { overrides: { mode: other } }));
      expect(r.status).to.equal(400);
      expect(r.body.error.code).to.equal('AUTHORIZATION_WRONG_MODE');
      expect(JSON.stringify(await site.sessions())).to.equal(before);
      // Its own mode's file goes in.
      const own = await site.admin.post('/api/authorization/import', issueAuthorization(site.issueContext(1)));
      expect(own.status, JSON.stringify(own.body)).to.equal(200);
    });
  }

  it('a mock backup is refused once the site runs a formal exam and a formal backup once it runs a mock one; nothing changes', async function () {
    skipInPostgresPass(this, '系统备份 needs the SQLite snapshot');
    const s = await startModeSite('mock');
    const mockBak = await backup(s);
    await initialize(s);
    await setMode(s, 'formal');
    expect((await importPackage(s, 'formal')).status).to.equal(200);
    let before = await snapshot(s);
    const r1 = await s.admin.post<ErrorReply>('/api/system/restore', { file: mockBak });
    expect(r1.status).to.equal(400);
    expect(r1.body.error.code).to.equal('BACKUP_MODE_MISMATCH');
    expect(r1.body.error.message).to.equal('该备份是模拟考试的数据，本系统当前为正式考试，两者不能混用；如确需恢复，请先执行系统初始化');
    expect(await snapshot(s)).to.equal(before);

    const formalBak = await backup(s);
    await initialize(s);
    await setMode(s, 'mock');
    before = await snapshot(s);
    const r2 = await s.admin.post<ErrorReply>('/api/system/restore', { file: formalBak });
    expect(r2.status).to.equal(400);
    expect(r2.body.error.code).to.equal('BACKUP_MODE_MISMATCH');
    expect(await snapshot(s)).to.equal(before);
  });

  it('switching mode with data loaded is refused and sends to 初始化; after it nothing of the mock exam is left and formal data loads', async () => {
    const s = await startModeSite('mock');
    await registeredProctor(s);
    const before = await snapshot(s);
    const r = await s.admin.put<ErrorReply>('/api/settings', { siteCode: SITE, mode: 'formal' });
    expect(r.status).to.equal(409);
    expect(r.body.error.code).to.equal('MODE_CHANGE_REFUSED');
    expect(r.body.error.message).to.equal('已载入模拟考试数据，切换为正式考试前请先执行系统初始化');
    expect(await snapshot(s)).to.equal(before);

    await initialize(s);
    const count = async (table: string): Promise<number> => Number(((await s.server.store.manager.query(`SELECT COUNT(*) AS n FROM ${table}`)) as { n: number }[])[0]!.n);
    for (const table of ['load_release', 'load_room', 'load_session', 'load_candidate', 'registration_room']) expect(await count(table), table).to.equal(0);
    expect(fs.readdirSync(path.join(s.server.dataDir, 'plugins', 'load', 'content'))).to.deep.equal([]);
    await setMode(s, 'formal');
    expect((await importPackage(s, 'formal')).status).to.equal(200);
    const modes = (await s.server.store.manager.query('SELECT DISTINCT mode FROM load_release')) as { mode: string }[];
    expect(modes).to.deep.equal([{ mode: 'formal' }]);
  });
});
