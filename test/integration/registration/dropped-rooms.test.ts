import fs from 'node:fs';
import { expect } from 'chai';
import { coreServices } from '../../../core/services';
import { AuditLogRow } from '../../../core/store/core-entities';
import { makeTempDir } from '../../../core/testing/test-server';
import { ProctorApiError, ProctorClient } from '../../sim/proctor/proctor-client';
import { REGISTRATION_CHANGED_EVENT } from '../../../plugins/registration/api';
import { PROCTOR_REVOKED_MESSAGE, RegistrationService } from '../../../plugins/registration/server/registration-service';
import { DEFAULT_GUESS_LIMITS, GuessThrottle } from '../../../plugins/registration/server/guess-throttle';
import { examDataServiceRef, type ExamDataService } from '../../../plugins/load/api';
import { AppError } from '../../../core/http/errors';
import { LiveEvents } from '../../../core/events/live-events';
import { RoomRegistrationRow } from '../../../plugins/registration/server/room-registration-row';
import { buildPackage, newCentreKey, startSite, table, type RunningSite } from './site-harness';
import { waitFor } from '../../../core/testing/wait-for';

const ROOM1 = '11003001';
const ROOM3 = '11003003';

async function revokedAudits(site: RunningSite): Promise<Record<string, unknown>[]> {
  const rows = await site.server.store.manager.find(AuditLogRow, { where: { action: 'registration.revoked' }, order: { id: 'ASC' } });
  return rows.map((r) => ({ actor: r.actor, ...(JSON.parse(r.detail) as Record<string, unknown>) }));
}

async function expect401(p: Promise<unknown>): Promise<ProctorApiError> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(ProctorApiError);
    expect((e as ProctorApiError).status).to.equal(401);
    return e as ProctorApiError;
  }
  expect.fail('expected HTTP 401');
}

/**
 * A newer release that drops a room revokes that room's registration (R3.3, R2.5): its
 * proctor credential fails at once, the registration row goes, the revocation is audited;
 * rooms that stay keep theirs.
 */
describe('rooms dropped by a newer release lose their registrations (R3.3, R2.5)', () => {
  let site: RunningSite;
  afterEach(async () => {
    await site?.stop();
  });

  it('revokes the dropped room\'s credential (401), row and audit; a room that stays keeps working', async () => {
    site = await startSite();
    const stays = new ProctorClient(site.url);
    const kept = await stays.register({ roomCode: ROOM1, registrationCode: await site.code(ROOM1), machineId: 'pc-1' });
    const dropped = new ProctorClient(site.url);
    await dropped.register({ roomCode: ROOM3, registrationCode: await site.code(ROOM3), machineId: 'pc-3' });
    const events: unknown[] = [];
    (await site.server.kernel.get(coreServices.liveEvents)).subscribe((e) => {
      if (e.type === REGISTRATION_CHANGED_EVENT) events.push(e.data);
    });

    const newer = await buildPackage(site.key, { rooms: 2, releaseTime: '2026-12-02T20:00:00+08:00', seed: 12 });
    const imported = await site.admin.post('/api/load/import', newer.bytes, { 'content-type': 'application/zip' });
    expect(imported.status, JSON.stringify(imported.body)).to.equal(200);

    // The credential stops working with the load itself, not after some delay.
    const err = await expect401(dropped.whoami());
    expect(err.code).to.equal('PROCTOR_REVOKED');
    expect(err.message).to.equal(PROCTOR_REVOKED_MESSAGE);

    // Bounded: the clean-up that follows the load's commit is written after the reply.
    await waitFor('the revocation audit', async () => (await revokedAudits(site)).length > 0, 5_000, 20);
    expect(await revokedAudits(site)).to.deep.equal([
      {
        actor: 'system',
        roomCode: ROOM3,
        ip: '127.0.0.1',
        machineId: 'pc-3',
        reason: `新发布的考务数据（发布时间 2026-12-02 20:00:00）中已没有考场 ${ROOM3}，其注册自动撤销`,
      },
    ]);
    expect(events).to.deep.equal([{ roomCode: ROOM3, action: 'revoked' }]);
    expect((await site.server.store.manager.find(RoomRegistrationRow)).map((r) => r.roomCode)).to.deep.equal([ROOM1]);
    const t = await table(site);
    expect(t.registeredCount).to.equal(1);
    expect(t.unregisteredCount).to.equal(1);
    expect(await stays.whoami()).to.include({ roomCode: ROOM1, registrationId: kept.registrationId });
  });

  it('at start, a registration left for a room the loaded data no longer has (stop before the clean-up) is revoked and audited', async () => {
    const dataDir = makeTempDir('examsite-dropped-');
    const key = newCentreKey();
    try {
      site = await startSite({ dataDir, key });
      const proctor = new ProctorClient(site.url);
      await proctor.register({ roomCode: ROOM3, registrationCode: await site.code(ROOM3), machineId: 'pc-3' });
      // As if the site stopped right after a load that dropped room 3 committed: a row for a room not loaded.
      await site.server.store.write((em) => em.update(RoomRegistrationRow, { roomCode: ROOM3 }, { roomCode: '11003009' }));
      await site.stop();

      site = await startSite({ dataDir, key, pkg: null });
      expect(await site.server.store.manager.find(RoomRegistrationRow)).to.deep.equal([]);
      const audits = await revokedAudits(site);
      expect(audits).to.have.length(1);
      expect(audits[0]).to.include({ actor: 'system', roomCode: '11003009', machineId: 'pc-3' });
      expect((await table(site)).registeredCount).to.equal(0);
      await expect401(new ProctorClient(site.url, { ...proctor.credentials!, siteUrl: site.url }).whoami());
    } finally {
      await site?.stop();
      site = undefined as unknown as RunningSite;
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('a registration racing a newer release that drops its room (R2.5, R3.3)', function () {
  this.timeout(60_000);
  let site: RunningSite | undefined;
  afterEach(async () => site?.stop());

  it('is refused when the room is gone by the time the registration is written, and nothing is stored', async () => {
    site = await startSite();
    const real = await site.server.kernel.get(examDataServiceRef);
    const room = (await real.listRooms())[0]!.roomCode;
    const code = await site.code(room);
    // The first read (the comparison) sees the room; the next one (inside the write) sees the
    // newer release without it — what a concurrent import commits between the two.
    let reads = 0;
    const racing: ExamDataService = Object.create(real) as ExamDataService;
    racing.registrationCodeOf = async (roomCode) => (++reads === 1 ? real.registrationCodeOf(roomCode) : null);
    const service = new RegistrationService(site.server.store, racing, await site.server.kernel.get(coreServices.audit), new LiveEvents(), new GuessThrottle(DEFAULT_GUESS_LIMITS));
    let refused: unknown;
    try {
      await service.register({ roomCode: room, registrationCode: code, machineId: 'pc-race', clientVersion: '1.0.0' }, '192.168.1.60');
    } catch (e) {
      refused = e;
    }
    expect(refused).to.be.instanceOf(AppError);
    expect((refused as AppError).status).to.equal(409);
    expect((refused as AppError).message).to.contain('考务数据刚刚更新');
    expect(await site.server.store.manager.count(RoomRegistrationRow)).to.equal(0);
  });
});

