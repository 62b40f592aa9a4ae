import { expect } from 'chai';
import { AuditLogRow } from '../../../core/store/core-entities';
import { auditEventCount } from '../../../core/testing/audit-events';
import { coreServices } from '../../../core/services';
import { ProctorApiError } from '../../../test/sim/proctor/proctor-client';
import { REGISTRATION_CHANGED_EVENT } from '../api';
import { startRegistrationKernel, table, type RegistrationKernel } from './registration-kernel';
import { startedForEachTest } from '../../../core/testing/started-fixture';

async function expectApiError(p: Promise<unknown>, status: number): Promise<ProctorApiError> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(ProctorApiError);
    const err = e as ProctorApiError;
    expect(err.status, `${err.code} ${err.message}`).to.equal(status);
    return err;
  }
  expect.fail(`expected HTTP ${status}`);
}

async function auditActions(site: RegistrationKernel): Promise<string[]> {
  return (await site.server.store.manager.find(AuditLogRow, { order: { id: 'ASC' } })).map((r) => r.action);
}

describe('registration: proctor LAN API v1 (R3.2–R3.4, R11)', () => {
  let site: RegistrationKernel;
  const ROOM1 = '11003001';
  const ROOM2 = '11003002';

  startedForEachTest(() => startRegistrationKernel(), (v) => {
    site = v;
  });

  it('R3.2 registers a proctor: credentials, recorded IP and machine id, audit entry, live event', async () => {
    const events: unknown[] = [];
    (await site.server.kernel.get(coreServices.liveEvents)).subscribe((e) => {
      if (e.type === REGISTRATION_CHANGED_EVENT) events.push(e.data);
    });
    const proctor = site.proctor();
    const r = await proctor.register({ roomCode: ROOM1, registrationCode: await site.code(ROOM1), machineId: 'pc-room1', clientVersion: '1.2.3' });
    expect(r.token).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(r).to.include({ roomCode: ROOM1, siteCode: '11003', machineId: 'pc-room1', alreadyRegistered: false, registeredIp: '127.0.0.1' });

    const who = await proctor.whoami();
    expect(who).to.include({ roomCode: ROOM1, machineId: 'pc-room1', registeredIp: '127.0.0.1', siteCode: '11003', registrationId: r.registrationId });

    const t = await table(site);
    expect(t.registeredCount).to.equal(1);
    expect(t.unregisteredCount).to.equal(2);
    const row = t.rooms.find((x) => x.roomCode === ROOM1)!;
    expect(row.registration).to.include({ ip: '127.0.0.1', machineId: 'pc-room1' });
    expect(row.registrationCode).to.equal(await site.code(ROOM1));
    expect(row.note).to.contain('pc-room1');
    expect(await auditActions(site)).to.include('proctor.registered');
    expect(events).to.deep.equal([{ roomCode: ROOM1, action: 'registered' }]);
  });

  it('R3.2 the registration code is accepted whatever its letter case and surrounding spaces', async () => {
    const code = await site.code(ROOM1);
    const r = await site.proctor().register({ roomCode: ROOM1, registrationCode: ` ${code.toLowerCase()} `, machineId: 'pc-1' });
    expect(r.roomCode).to.equal(ROOM1);
  });

  it('R3.4 a wrong code is refused with 401 and a Chinese message, audited, nothing stored', async () => {
    const err = await expectApiError(site.proctor().register({ roomCode: ROOM1, registrationCode: 'WRONGCDE', machineId: 'pc-x' }), 401);
    expect(err.code).to.equal('REGISTRATION_CODE_WRONG');
    expect(err.message).to.equal('考场代码或注册码错误，请核对考点下发的考场注册信息（还可尝试 4 次）');
    // An unknown room gets the same answer (room codes cannot be probed).
    const unknown = await expectApiError(site.proctor().register({ roomCode: '11003999', registrationCode: 'WRONGCDE', machineId: 'pc-x' }), 401);
    expect(unknown.code).to.equal('REGISTRATION_CODE_WRONG');
    expect((await table(site)).registeredCount).to.equal(0);
    expect(await auditEventCount(site.server, 'proctor.register.failed')).to.equal(2);
  });

  it('R3.4 invalid input is refused with 400 naming the field, nothing stored', async () => {
    const res = await site.fetch(`/api/proctor/v1/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ roomCode: '1100', registrationCode: 'X', machineId: 'pc 1', clientVersion: '1.0' }),
    });
    expect(res.status).to.equal(400);
    const body = (await res.json()) as { error: { message: string } };
    expect(body.error.message).to.contain('考场代码必须是 8 位数字');
    expect(body.error.message).to.contain('机器标识');
    expect((await table(site)).registeredCount).to.equal(0);
  });

  it('R3.4 repeated wrong codes lock that address for the room (429, Retry-After), even for the right code; audited', async () => {
    const guesser = site.proctor();
    for (let i = 0; i < 4; i++) {
      await expectApiError(guesser.register({ roomCode: ROOM1, registrationCode: `WRONG00${i}`, machineId: 'pc-evil' }), 401);
    }
    const locked = await expectApiError(guesser.register({ roomCode: ROOM1, registrationCode: 'WRONG005', machineId: 'pc-evil' }), 429);
    expect(locked.message).to.equal('本机（127.0.0.1）对考场 11003001 的注册码错误次数过多，已暂时锁定，请 10 分钟后再试，或请考点管理员在“考场注册”中解除锁定');
    expect(locked.retryAfterSeconds).to.equal(600);
    const right = await expectApiError(guesser.register({ roomCode: ROOM1, registrationCode: await site.code(ROOM1), machineId: 'pc-evil' }), 429);
    expect(right.retryAfterSeconds).to.be.within(590, 600);
    expect((await table(site)).registeredCount).to.equal(0);
    expect(await auditActions(site)).to.include('proctor.register.locked');
    // Another room is not locked by this room's count.
    const ok = await site.proctor().register({ roomCode: ROOM2, registrationCode: await site.code(ROOM2), machineId: 'pc-2' });
    expect(ok.roomCode).to.equal(ROOM2);
  });

  it('R3.4 repeated wrong codes from one address across rooms lock that address', async () => {
    const guesser = site.proctor();
    for (let i = 0; i < 9; i++) {
      // Unknown rooms (a scan) count against the address too.
      await expectApiError(guesser.register({ roomCode: `11003${String(100 + i)}`, registrationCode: 'WRONGCDE', machineId: 'pc-evil' }), 401);
    }
    const locked = await expectApiError(guesser.register({ roomCode: '11003200', registrationCode: 'WRONGCDE', machineId: 'pc-evil' }), 429);
    expect(locked.message).to.equal('本机（127.0.0.1）注册码错误次数过多，已暂时锁定，请 10 分钟后再试，或请考点管理员在“考场注册”中解除锁定');
    await expectApiError(guesser.register({ roomCode: ROOM1, registrationCode: await site.code(ROOM1), machineId: 'pc-1' }), 429);
    expect((await table(site)).registeredCount).to.equal(0);
  });

  it('R3.4 a second machine cannot take a registered room: 409 that does not name the holder\'s IP, first registration unchanged', async () => {
    const first = site.proctor();
    const r1 = await first.register({ roomCode: ROOM1, registrationCode: await site.code(ROOM1), machineId: 'pc-a' });
    const err = await expectApiError(
      site.proctor().register({ roomCode: ROOM1, registrationCode: await site.code(ROOM1), machineId: 'pc-b' }),
      409,
    );
    expect(err.code).to.equal('ROOM_ALREADY_REGISTERED');
    expect(err.message).to.equal(
      '考场 11003001 已有监考机注册。若本机就是该考场的监考机，请带上本机保存的凭证重新注册；如需更换监考机，请考点管理员先在“考场注册”中撤销该考场的注册',
    );
    expect(err.message).not.to.contain('127.0.0.1');
    const row = (await table(site)).rooms.find((x) => x.roomCode === ROOM1)!;
    expect(row.registration).to.include({ machineId: 'pc-a', registrationId: r1.registrationId });
    expect((await first.whoami()).machineId).to.equal('pc-a');
    expect(await auditActions(site)).to.include('proctor.register.conflict');
  });

  it('R3.2 the holder re-registering with its credential: same registration, fresh credential, old one ends', async () => {
    const code = await site.code(ROOM1);
    const a = site.proctor();
    const r1 = await a.register({ roomCode: ROOM1, registrationCode: code, machineId: 'pc-a' });
    const oldCreds = a.credentials!;
    const b = site.proctor(oldCreds);
    const r2 = await b.register({ roomCode: ROOM1, registrationCode: code, machineId: 'pc-a' });
    expect(r2.alreadyRegistered).to.equal(true);
    expect(r2.registrationId).to.equal(r1.registrationId);
    expect(r2.registeredAt).to.equal(r1.registeredAt);
    expect(r2.token).to.not.equal(r1.token);
    expect((await b.whoami()).registrationId).to.equal(r1.registrationId);
    await expectApiError(site.proctor(oldCreds).whoami(), 401);
    const t = await table(site);
    expect(t.registeredCount).to.equal(1);
    expect(await auditActions(site)).to.include('proctor.reregistered');
  });

  it('issue 10 point 2: the right code and machineId without the current credential cannot take over a registered room', async () => {
    const code = await site.code(ROOM1);
    const holder = site.proctor();
    const r1 = await holder.register({ roomCode: ROOM1, registrationCode: code, machineId: 'pc-a' });
    // machineId is no secret: anyone on the LAN may have read it. A stale credential is no better.
    for (const thief of [site.proctor(), site.proctor({ ...holder.credentials!, token: 'A'.repeat(43) })]) {
      const err = await expectApiError(thief.register({ roomCode: ROOM1, registrationCode: code, machineId: 'pc-a' }), 409);
      expect(err.code).to.equal('ROOM_ALREADY_REGISTERED');
    }
    expect((await holder.whoami()).registrationId).to.equal(r1.registrationId);
    const row = (await table(site)).rooms.find((x) => x.roomCode === ROOM1)!;
    expect(row.registration).to.include({ machineId: 'pc-a', registrationId: r1.registrationId });
    expect(await auditEventCount(site.server, 'proctor.register.conflict')).to.equal(2);
  });

  it('R3.3 撤销注册: the credential fails on its next request (401) and the room registers again', async () => {
    const code = await site.code(ROOM1);
    const proctor = site.proctor();
    await proctor.register({ roomCode: ROOM1, registrationCode: code, machineId: 'pc-a' });
    await proctor.room();

    const revoke = await site.admin.post<{ roomCode: string; revokedIp: string }>(`/api/registration/rooms/${ROOM1}/revoke`);
    expect(revoke.status).to.equal(200);
    expect(revoke.body).to.deep.equal({ roomCode: ROOM1, revokedIp: '127.0.0.1' });

    const err = await expectApiError(proctor.room(), 401);
    expect(err.message).to.equal('本机注册已被考点撤销，请重新注册');
    expect((await table(site)).registeredCount).to.equal(0);
    expect(await auditActions(site)).to.include('registration.revoked');

    // Revoking again: nothing to revoke.
    const again = await site.admin.post<{ error: { message: string } }>(`/api/registration/rooms/${ROOM1}/revoke`);
    expect(again.status).to.equal(409);
    expect(again.body.error.message).to.equal('考场 11003001 尚未注册，无需撤销');

    // Another machine may now take the room.
    const other = site.proctor();
    await other.register({ roomCode: ROOM1, registrationCode: code, machineId: 'pc-b' });
    expect((await other.whoami()).machineId).to.equal('pc-b');
  });

  it('R11 room isolation: a proctor reads only its own room (403 otherwise); no credential → 401', async () => {
    const p1 = site.proctor();
    await p1.register({ roomCode: ROOM1, registrationCode: await site.code(ROOM1), machineId: 'pc-1' });
    const room = await p1.room();
    expect(room.roomCode).to.equal(ROOM1);
    expect(room.sessions.map((s) => s.no)).to.deep.equal([1, 2]);
    expect(room.candidates.length).to.be.greaterThan(0);
    expect(room.candidates.every((c) => room.sessions.some((s) => s.no === c.sessionNo))).to.equal(true);
    // Seats: one per candidate, ordered by session then seat.
    expect(room.seats).to.have.length(room.candidates.length);
    const first = room.candidates.filter((c) => c.sessionNo === 1).sort((a, b) => a.seatNo - b.seatNo)[0]!;
    expect(room.seats[0]).to.deep.equal({ sessionNo: 1, seatNo: first.seatNo, ticketNo: first.ticketNo });
    expect((await p1.roomByCode(ROOM1)).roomCode).to.equal(ROOM1);

    const other = await expectApiError(p1.roomByCode(ROOM2), 403);
    expect(other.message).to.equal('本机注册的是考场 11003001，无权访问考场 11003002 的数据');

    const anon = await site.fetch(`/api/proctor/v1/room`);
    expect(anon.status).to.equal(401);
    const forged = await site.fetch(`/api/proctor/v1/room`, { headers: { authorization: 'Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } });
    expect(forged.status).to.equal(401);
    // The admin session is no proctor credential.
    const asAdmin = await site.admin.get('/api/proctor/v1/room');
    expect(asAdmin.status).to.equal(401);
  });

  it('R3.2 查看考场 and the table are admin-only', async () => {
    const anon = await site.fetch(`/api/registration/rooms`);
    expect(anon.status).to.equal(401);
    const view = await site.admin.get<{ roomCode: string; registrationCode: string; candidates: unknown[] }>(`/api/registration/rooms/${ROOM2}`);
    expect(view.status).to.equal(200);
    expect(view.body.registrationCode).to.equal(await site.code(ROOM2));
    expect(view.body.candidates.length).to.be.greaterThan(0);
    const missing = await site.admin.get<{ error: { message: string } }>('/api/registration/rooms/11003999');
    expect(missing.status).to.equal(404);
    expect(missing.body.error.message).to.contain('11003999');
  });

  it('R2.5 a newer release keeps registration codes and registrations: a registered proctor keeps working without registering again', async () => {
    const code1 = await site.code(ROOM1);
    const proctor = site.proctor();
    const r = await proctor.register({ roomCode: ROOM1, registrationCode: code1, machineId: 'pc-1' });

    // 载入考务 stores the newer release and tells its listeners (faked here: load's own tests cover the import).
    site.examData.publish({ releaseTime: '2026-12-02T20:00:00+08:00', rooms: 3, candidatesPerRoom: 8 });

    const room = await proctor.room();
    expect(room.releaseTime).to.equal('2026-12-02T20:00:00+08:00');
    expect(room.candidates.filter((c) => c.sessionNo === 1)).to.have.length(8);
    expect(await proctor.whoami()).to.include({ roomCode: ROOM1, registrationId: r.registrationId });
    expect(await site.code(ROOM1)).to.equal(code1);
    const t = await table(site);
    expect(t.registeredCount).to.equal(1);
    expect(t.rooms.find((x) => x.roomCode === ROOM1)!.registration).to.include({ machineId: 'pc-1', registrationId: r.registrationId });
  });

  it('R11.1 the proctor API is in /api/openapi.json with its bearer scheme', async () => {
    const doc = (await (await site.fetch(`/api/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { security?: Record<string, unknown>[] }>>;
      components: { securitySchemes: Record<string, unknown> };
    };
    for (const p of ['/api/proctor/v1/register', '/api/proctor/v1/whoami', '/api/proctor/v1/room', '/api/proctor/v1/rooms/{roomCode}']) {
      expect(doc.paths, p).to.have.property(p);
    }
    expect(doc.components.securitySchemes).to.have.property('proctorCredential');
    expect(doc.paths['/api/proctor/v1/room']!.get!.security).to.deep.equal([{ proctorCredential: [] }]);
    expect(doc.paths['/api/proctor/v1/register']!.post!.security).to.deep.equal([]);
  });
});

describe('registration before exam data is loaded (R3.2)', () => {
  it('refuses registration with 409 and says why', async () => {
    const site = await startRegistrationKernel({ release: null });
    try {
      const err = await expectApiError(site.proctor().register({ roomCode: '11003001', registrationCode: 'ABCDEFGH', machineId: 'pc' }), 409);
      expect(err.message).to.contain('考点尚未载入考务数据');
      const t = await table(site);
      expect(t.rooms).to.have.length(0);
    } finally {
      await site.stop();
    }
  });
});
