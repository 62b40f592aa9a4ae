import { expect } from 'chai';
import { AuditLogRow } from '../../../core/store/core-entities';
import { ProctorApiError } from '../../../test/sim/proctor/proctor-client';
import { startRegistrationKernel, type RegistrationKernel } from './registration-kernel';

const ROOM = '11003001';

/** A candidate PC of the exam LAN: the in-process requests of the guesser come from it. */
const lan = '192.168.10.57';

async function refusal(p: Promise<unknown>): Promise<ProctorApiError> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(ProctorApiError);
    return e as ProctorApiError;
  }
  expect.fail('expected a refusal');
}

interface LockRow {
  scope: string;
  ip: string;
  roomCode: string | null;
  lockedAt: string;
  until: string;
}

/**
 * Issue 10 point 2: a candidate PC that guesses a room's registration code locks only
 * itself. The room's real proctor, from its own address, registers; the administrator sees
 * the guesser's lock in 考场注册 and can lift it.
 */
describe('no lockout by a third party: registration-code guesses are throttled per address (issue 10 point 2)', function () {
  this.timeout(60_000);
  let site: RegistrationKernel;

  beforeEach(async () => {
    site = await startRegistrationKernel();
  });
  afterEach(async () => {
    await site?.stop();
  });

  it('the real proctor registers its room while a third address has guessed it into a lock', async () => {
    const guesser = site.proctor(null, lan);
    for (let i = 0; i < 4; i++) expect((await refusal(guesser.register({ roomCode: ROOM, registrationCode: `WRONG00${i}`, machineId: 'pc-evil' }))).status).to.equal(401);
    const locked = await refusal(guesser.register({ roomCode: ROOM, registrationCode: 'WRONG005', machineId: 'pc-evil' }));
    expect(locked.status).to.equal(429);
    expect(locked.message).to.contain(`本机（${lan}）对考场 ${ROOM} 的注册码错误次数过多`);
    // Locked for the guesser even with the right code.
    expect((await refusal(guesser.register({ roomCode: ROOM, registrationCode: await site.code(ROOM), machineId: 'pc-evil' }))).status).to.equal(429);

    const proctor = site.proctor();
    const r = await proctor.register({ roomCode: ROOM, registrationCode: await site.code(ROOM), machineId: 'pc-real' });
    expect(r).to.include({ roomCode: ROOM, registeredIp: '127.0.0.1', alreadyRegistered: false });
    expect((await proctor.whoami()).machineId).to.equal('pc-real');
  });

  it('the administrator sees the lock (address, room, until) and lifts it; nothing else changes', async () => {
    const guesser = site.proctor(null, lan);
    for (let i = 0; i < 5; i++) await refusal(guesser.register({ roomCode: ROOM, registrationCode: `WRONG00${i}`, machineId: 'pc-evil' }));
    const listed = await site.admin.get<{ locks: LockRow[] }>('/api/registration/locks');
    expect(listed.status).to.equal(200);
    expect(listed.body.locks).to.have.length(1);
    const lock = listed.body.locks[0]!;
    expect(lock).to.include({ scope: 'room-address', ip: lan, roomCode: ROOM });
    expect(Date.parse(lock.until) - Date.parse(lock.lockedAt)).to.equal(600_000);

    // A bad request names what is wrong and lifts nothing.
    const bad = await site.admin.post<{ error: { message: string } }>('/api/registration/locks/clear', { ip: 'pc-evil', roomCode: ROOM });
    expect(bad.status).to.equal(400);
    expect(bad.body.error.message).to.contain('请填写被锁定的 IP 地址');
    const other = await site.admin.post<{ error: { code: string; message: string } }>('/api/registration/locks/clear', { ip: lan, roomCode: '11003002' });
    expect(other.status).to.equal(409);
    expect(other.body.error.message).to.equal('该锁定已到期或已被解除，无需再解除；请刷新列表');
    expect((await site.admin.get<{ locks: LockRow[] }>('/api/registration/locks')).body.locks).to.have.length(1);
    expect((await refusal(guesser.register({ roomCode: ROOM, registrationCode: 'WRONG009', machineId: 'pc-evil' }))).status).to.equal(429);

    const cleared = await site.admin.post('/api/registration/locks/clear', { ip: lan, roomCode: ROOM });
    expect(cleared.status).to.equal(200);
    expect((await site.admin.get<{ locks: LockRow[] }>('/api/registration/locks')).body.locks).to.deep.equal([]);
    const audit = await site.server.store.manager.findBy(AuditLogRow, { action: 'proctor.register.unlocked' });
    expect(audit).to.have.length(1);
    expect(audit[0]!.actor).to.equal('admin');
    // Lifted: the address is compared again, with a fresh allowance.
    const again = await refusal(guesser.register({ roomCode: ROOM, registrationCode: 'WRONG010', machineId: 'pc-evil' }));
    expect(again.status).to.equal(401);
    expect(again.message).to.contain('还可尝试 4 次');
  });
});
