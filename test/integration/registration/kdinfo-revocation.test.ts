import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { SOFT_DONGLE_FILE } from '../../../core/dongle/soft-dongle';
import { makeTempDir } from '../../../core/testing/test-server';
import { ProctorApiError, ProctorClient } from '../../sim/proctor/proctor-client';
import type { BuiltPackage, CentreSigningKey } from '../../sim/centre/sim-types';
import { buildPackage, newCentreKey, startSite, table, type RunningSite } from './site-harness';

const ROOM1 = '11003001';
const ROOM2 = '11003002';

interface RestoreBody {
  restored: string[];
  kept: { roomCode: string; reason: string }[];
  revoked: { roomCode: string; reason: string }[];
  message: string;
  error?: { code: string; message: string };
}

async function downloadKdinfo(site: RunningSite): Promise<Buffer> {
  const res = await fetch(`${site.url}/api/registration/export/kdinfo`, { headers: { authorization: `Bearer ${site.admin.token}` } });
  expect(res.status).to.equal(200);
  return Buffer.from(await res.arrayBuffer());
}

function restore(site: RunningSite, bytes: Buffer) {
  return site.admin.post<RestoreBody>('/api/registration/restore', bytes, { 'content-type': 'application/octet-stream' });
}

async function whoamiStatus(site: RunningSite, token: string): Promise<number> {
  return (await fetch(`${site.url}/api/proctor/v1/whoami`, { headers: { authorization: `Bearer ${token}` } })).status;
}

/**
 * Issue 10 point 3: a revoked proctor stays revoked. 恢复注册 from a KDINFO written before
 * the revoke (or before a re-registration replaced the credential) never brings the ended
 * credential back — on the same install, nor on a reinstall that restored a newer KDINFO.
 */
describe('KDINFO restore never resurrects a revoked registration (issue 10 point 3)', function () {
  this.timeout(120_000);
  const dirs: string[] = [];
  let key: CentreSigningKey;
  let pkg: BuiltPackage;
  let site: RunningSite;
  let dataDir: string;

  beforeEach(async () => {
    key = newCentreKey();
    pkg = await buildPackage(key);
    dataDir = makeTempDir('examsite-revoke-');
    dirs.push(dataDir);
    site = await startSite({ dataDir, key, pkg });
  });
  afterEach(async () => {
    await site?.stop();
  });
  after(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('on the same install: the revoked room is not restored, says so, and its credential stays refused', async () => {
    const codes = await site.codes();
    const p1 = new ProctorClient(site.url);
    await p1.register({ roomCode: ROOM1, registrationCode: codes.get(ROOM1)!, machineId: 'pc-1' });
    const p2 = new ProctorClient(site.url);
    await p2.register({ roomCode: ROOM2, registrationCode: codes.get(ROOM2)!, machineId: 'pc-2' });
    const before = await downloadKdinfo(site);

    expect((await site.admin.post(`/api/registration/rooms/${ROOM1}/revoke`)).status).to.equal(200);
    expect(await whoamiStatus(site, p1.credentials!.token)).to.equal(401);

    const r = await restore(site, before);
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    expect(r.body.restored).to.deep.equal([ROOM2]);
    expect(r.body.revoked).to.deep.equal([{ roomCode: ROOM1, reason: `考场 ${ROOM1} 的这次注册已被本考点撤销，不再恢复；该考场的监考机需重新注册` }]);
    expect(r.body.message).to.equal(`已恢复注册码，并恢复 1 个考场的注册；1 个考场的注册已被撤销，不再恢复（${ROOM1}），其监考机需重新注册`);
    expect(await whoamiStatus(site, p1.credentials!.token)).to.equal(401);
    expect(await whoamiStatus(site, p2.credentials!.token)).to.equal(200);
    const t = await table(site);
    expect(t.rooms.find((x) => x.roomCode === ROOM1)!.registration).to.equal(null);
    // The room itself is free: its proctor registers again and gets a new registration.
    const again = await new ProctorClient(site.url).register({ roomCode: ROOM1, registrationCode: codes.get(ROOM1)!, machineId: 'pc-1' });
    expect(again.alreadyRegistered).to.equal(false);
  });

  it('a credential replaced by re-registration stays ended too, after the room is later revoked', async () => {
    const codes = await site.codes();
    const p1 = new ProctorClient(site.url);
    await p1.register({ roomCode: ROOM1, registrationCode: codes.get(ROOM1)!, machineId: 'pc-1' });
    const oldToken = p1.credentials!.token;
    const before = await downloadKdinfo(site);
    await p1.register({ roomCode: ROOM1, registrationCode: codes.get(ROOM1)!, machineId: 'pc-1' });
    expect((await site.admin.post(`/api/registration/rooms/${ROOM1}/revoke`)).status).to.equal(200);

    const r = await restore(site, before);
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    expect(r.body.restored).to.deep.equal([]);
    expect(r.body.revoked.map((x) => x.roomCode)).to.deep.equal([ROOM1]);
    expect(await whoamiStatus(site, oldToken)).to.equal(401);
  });

  it('after a reinstall: restoring the newer KDINFO carries the revocations, so the older one cannot bring them back', async () => {
    const codes = await site.codes();
    const p1 = new ProctorClient(site.url);
    await p1.register({ roomCode: ROOM1, registrationCode: codes.get(ROOM1)!, machineId: 'pc-1' });
    const p2 = new ProctorClient(site.url);
    await p2.register({ roomCode: ROOM2, registrationCode: codes.get(ROOM2)!, machineId: 'pc-2' });
    const older = await downloadKdinfo(site);
    expect((await site.admin.post(`/api/registration/rooms/${ROOM1}/revoke`)).status).to.equal(200);
    const newer = await downloadKdinfo(site);
    await site.stop();

    // Reinstall: a fresh data folder on the same dongle, the same package loaded again.
    const fresh = makeTempDir('examsite-revoke-reinstall-');
    dirs.push(fresh);
    fs.copyFileSync(path.join(dataDir, SOFT_DONGLE_FILE), path.join(fresh, SOFT_DONGLE_FILE));
    site = await startSite({ dataDir: fresh, key, pkg });
    const first = await restore(site, newer);
    expect(first.status, JSON.stringify(first.body)).to.equal(200);
    expect(first.body.restored).to.deep.equal([ROOM2]);
    const second = await restore(site, older);
    expect(second.status, JSON.stringify(second.body)).to.equal(200);
    expect(second.body.revoked.map((x) => x.roomCode)).to.deep.equal([ROOM1]);
    expect(await whoamiStatus(site, p1.credentials!.token)).to.equal(401);
    expect(await whoamiStatus(site, p2.credentials!.token)).to.equal(200);
  });

  it('issue 10 point 11: a package with the same release time but another manifest is refused, nothing changes', async () => {
    const codes = await site.codes();
    const p1 = new ProctorClient(site.url);
    await p1.register({ roomCode: ROOM1, registrationCode: codes.get(ROOM1)!, machineId: 'pc-1' });
    const kd = await downloadKdinfo(site);
    await site.stop();
    const other = await buildPackage(key, { seed: 99 });
    expect(other.releaseTime).to.equal(pkg.releaseTime);
    expect(other.manifestSha256).not.to.equal(pkg.manifestSha256);
    const fresh = makeTempDir('examsite-revoke-other-');
    dirs.push(fresh);
    fs.copyFileSync(path.join(dataDir, SOFT_DONGLE_FILE), path.join(fresh, SOFT_DONGLE_FILE));
    site = await startSite({ dataDir: fresh, key, pkg: other });
    const codesBefore = await site.codes();
    const r = await restore(site, kd);
    expect(r.status).to.equal(409);
    expect(r.body.error!.code).to.equal('KDINFO_OTHER_PACKAGE');
    expect(await site.codes()).to.deep.equal(codesBefore);
    expect((await table(site)).registeredCount).to.equal(0);
    try {
      await ProctorClient.fromCredentials({ ...p1.credentials!, siteUrl: site.url }).whoami();
      expect.fail('the credential must not work');
    } catch (e) {
      expect((e as ProctorApiError).status).to.equal(401);
    }
  });
});
