import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { openBytes } from '../../../core/crypto/seal';
import { contentAad } from '../../../plugins/load/api/package-format';
import { ProctorClient } from '../../sim/proctor/proctor-client';
import { runProctorCli } from '../../sim/proctor/cli';
import { saveCredentials } from '../../sim/proctor/credentials-file';
import { fetchDecryptedContent, fetchSessionContent, fetchSessionKey, openReleasedKey, type ReleasedSessionKey } from '../../sim/proctor/session-key';
import { coreServices } from '../../../core/services';
import { HOUR, SITE, filesUnder, startAuthorizationSite, type AuthorizationSite } from './authorization-harness';
import { startedForSuite } from '../../../core/testing/started-fixture';
import { skipInPostgresPass } from '../../../core/testing/test-database';
import { proctorRefusal as refusal } from '../../sim/proctor/proctor-refusal';

const ROOM1 = `${SITE}001`;
const ROOM2 = `${SITE}002`;
/** Sits session 2 only. */
const ROOM3 = `${SITE}003`;

async function registerProctor(site: AuthorizationSite, roomCode: string): Promise<ProctorClient> {
  const rooms = await site.admin.get<{ rooms: { roomCode: string; registrationCode: string }[] }>('/api/registration/rooms');
  const code = rooms.body.rooms.find((r) => r.roomCode === roomCode)?.registrationCode;
  if (!code) throw new Error(`no registration code for ${roomCode}: ${JSON.stringify(rooms.body)}`);
  const client = new ProctorClient(site.server.url);
  await client.register({ roomCode, registrationCode: code, machineId: `pc-${roomCode}` });
  return client;
}


/** The session key in every text form it could be written in. */
function keyForms(keyB64: string): { name: string; bytes: Buffer }[] {
  const key = Buffer.from(keyB64, 'base64');
  return [
    { name: 'raw', bytes: key },
    { name: 'hex', bytes: Buffer.from(key.toString('hex'), 'ascii') },
    { name: 'HEX', bytes: Buffer.from(key.toString('hex').toUpperCase(), 'ascii') },
    { name: 'base64', bytes: Buffer.from(key.toString('base64'), 'ascii') },
    { name: 'base64url', bytes: Buffer.from(key.toString('base64url'), 'ascii') },
  ];
}

describe('试题密钥下发 to proctors (R6.3, R3.6)', function () {
  this.timeout(60_000);
  let site: AuthorizationSite;
  let room1: ProctorClient;
  let room3: ProctorClient;

  startedForSuite(() => startAuthorizationSite({ roomSessions: { [ROOM3]: [2] } }), async (v) => {
    site = v;
    // Registration before authorization (R3.6: either order works).
    room1 = await registerProctor(site, ROOM1);
    room3 = await registerProctor(site, ROOM3);
  });

  it('403 with the reason before the session is authorized', async () => {
    const e = await refusal(fetchSessionKey(room1, 1));
    expect(e.status).to.equal(403);
    expect(e.code).to.equal('SESSION_NOT_AUTHORIZED');
    expect(e.message).to.contain('第 1 场次尚未完成考试授权');
  });

  it('403 with the reason when authorized but not verified; the encrypted content is already available', async () => {
    const d = await site.admin.post<{ allAuthorized: boolean }>('/api/authorization/download');
    expect(d.body.allAuthorized).to.equal(true);
    const e = await refusal(fetchSessionKey(room1, 1));
    expect(e.status).to.equal(403);
    expect(e.code).to.equal('SESSION_NOT_VERIFIED');
    expect(e.message).to.contain('第 1 场次尚未通过授权验证');
    const content = await fetchSessionContent(room1, 1);
    expect(content.bytes.subarray(0, 4).toString('ascii')).to.equal('ESG1');
  });

  it('403 for a room that does not sit the session (content and key)', async () => {
    const c = await refusal(fetchSessionContent(room3, 1));
    expect(c.status).to.equal(403);
    expect(c.code).to.equal('ROOM_NOT_IN_SESSION');
    expect(c.message).to.contain(`考场 ${ROOM3} 不参加第 1 场次考试`);
    const k = await refusal(fetchSessionKey(room3, 1));
    expect(k.code).to.equal('ROOM_NOT_IN_SESSION');
  });

  it('401 without credentials', async () => {
    const res = await fetch(`${site.server.url}/api/proctor/v1/sessions/1/key`);
    expect(res.status).to.equal(401);
  });

  it('after 授权验证 a proctor of the session gets the key sealed for its own credentials and decrypts its content', async () => {
    await site.calibrate();
    site.advanceDongleClock(2.5 * HOUR);
    const v = await site.admin.post('/api/authorization/sessions/1/verify');
    expect(v.status, JSON.stringify(v.body)).to.equal(200);

    const released = await room1.call<ReleasedSessionKey>('GET', '/sessions/1/key');
    expect(released).to.include({ v: 1, sessionNo: 1, roomCode: ROOM1, alg: 'HKDF-SHA256/AES-256-GCM' });
    const key = openReleasedKey(released, room1.credentials!.token);
    expect(key.toString('base64')).to.equal(site.release.sessionKeys[1]);
    // Sealed for room 1's credentials: another token cannot open it.
    expect(() => openReleasedKey(released, room3.credentials!.token)).to.throw(/无法解开/);

    const r = await fetchDecryptedContent(room1, 1);
    const paper = JSON.parse(r.plaintext.toString('utf8')) as { sessionNo: number; subjects: unknown[] };
    expect(paper.sessionNo).to.equal(1);
    expect(paper.subjects).to.have.length.greaterThan(0);
    expect(released.contentSha256).to.equal(r.sha256);
  });

  it('still 403 for the room outside the session and for the unverified session', async () => {
    expect((await refusal(fetchSessionKey(room3, 1))).code).to.equal('ROOM_NOT_IN_SESSION');
    expect((await refusal(fetchSessionKey(room3, 2))).code).to.equal('SESSION_NOT_VERIFIED');
  });

  it('a room registered after verification gets the key too (R3.6), through the proctor CLI', async () => {
    const room2 = await registerProctor(site, ROOM2);
    const dir = fs.mkdtempSync(path.join(site.simDir, 'proctor-'));
    const credentials = path.join(dir, 'creds.json');
    await saveCredentials(credentials, room2.credentials!);
    const out: string[] = [];
    const err: string[] = [];
    expect(await runProctorCli(['key', '--session', '1', '--credentials', credentials], (s) => out.push(s), (s) => err.push(s)), err.join('\n')).to.equal(0);
    expect(out.join('\n')).to.match(/已获取第 1 场次试题密钥（指纹 [0-9a-f]{16}）/);
    const plain = path.join(dir, 'session-1.json');
    expect(await runProctorCli(['content', '--session', '1', '--out', plain, '--credentials', credentials], (s) => out.push(s), (s) => err.push(s)), err.join('\n')).to.equal(0);
    expect((JSON.parse(fs.readFileSync(plain, 'utf8')) as { sessionNo: number }).sessionNo).to.equal(1);
    // And the CLI's refusal is the site's reason, in Chinese.
    const code = await runProctorCli(['key', '--session', '2', '--credentials', credentials], (s) => out.push(s), (s) => err.push(s));
    expect(code).to.not.equal(0);
    expect(err.join('\n')).to.contain('第 2 场次尚未通过授权验证');
  });

  it('the plaintext key is on no file of the data directory (db, -wal, -shm included)', async function () {
    skipInPostgresPass(this, 'the scan reads the SQLite files of the data folder');
    const files = filesUnder(site.dataDir);
    expect(files.some((f) => f.endsWith('.sqlite'))).to.equal(true);
    expect(files.some((f) => f.endsWith('.sqlite-wal'))).to.equal(true);
    const forms = [...keyForms(site.release.sessionKeys[1]!), ...keyForms(site.release.sessionKeys[2]!)];
    for (const file of files) {
      const bytes = fs.readFileSync(file);
      for (const form of forms) expect(bytes.includes(form.bytes), `${form.name} key in ${path.relative(site.dataDir, file)}`).to.equal(false);
    }
    // The scan would find it: the key does open the stored content.
    const content = await fetchSessionContent(room1, 1);
    expect(() => openBytes(Buffer.from(site.release.sessionKeys[1]!, 'base64'), content.bytes, contentAad(SITE, 'mock', 1))).to.not.throw();
  });

  it('after a restart the key is unwrapped again by the dongle (once the clock is calibrated) — and still never stored', async () => {
    await site.restart();
    // The restarted site listens on a new port; the proctor keeps its credentials.
    room1 = ProctorClient.fromCredentials({ ...room1.credentials!, siteUrl: site.server.url });
    // The software dongle forgets its calibration on restart, like a dongle without battery.
    const uncalibrated = await refusal(fetchSessionKey(room1, 1));
    expect(uncalibrated.code).to.equal('CLOCK_UNCALIBRATED');
    await site.calibrate();
    const key = await fetchSessionKey(room1, 1);
    expect(key.toString('base64')).to.equal(site.release.sessionKeys[1]);
    for (const file of filesUnder(site.dataDir)) {
      const bytes = fs.readFileSync(file);
      for (const form of keyForms(site.release.sessionKeys[1]!)) expect(bytes.includes(form.bytes), `${form.name} in ${file}`).to.equal(false);
    }
  });

  it('系统初始化 (R9.3) forgets every authorization and drops the key from memory', async () => {
    const participants = await site.server.kernel.get(coreServices.dataParticipants);
    await participants.clearAll('admin', { only: (owner) => owner === 'authorization' });
    expect((await site.sessions()).map((s) => [s.authorized, s.verified])).to.deep.equal([
      [false, false],
      [false, false],
    ]);
    expect((await refusal(fetchSessionKey(room1, 1))).code).to.equal('SESSION_NOT_AUTHORIZED');
    // Authorize and verify again for the last case.
    expect((await site.admin.post<{ allAuthorized: boolean }>('/api/authorization/download')).body.allAuthorized).to.equal(true);
    site.advanceDongleClock(2.5 * HOUR);
    const v = await site.admin.post('/api/authorization/sessions/1/verify');
    expect(v.status, JSON.stringify(v.body)).to.equal(200);
  });

  it('403 once the session has ended on the dongle clock', async () => {
    site.advanceDongleClock(6 * HOUR);
    const e = await refusal(fetchSessionKey(room1, 1));
    expect(e.status).to.equal(403);
    expect(e.code).to.equal('SESSION_ENDED');
    expect(e.message).to.match(/第 1 场次已于 .* 结束，不再下发试题密钥/);
  });
});
