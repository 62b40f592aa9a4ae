import { expect } from 'chai';
import type { AuditLog } from '../../../core/auth/audit';
import { AppError } from '../../../core/http/errors';
import { LiveEvents } from '../../../core/events/live-events';
import type { Store } from '../../../core/store/store';
import { auditEventCount } from '../../../core/testing/audit-events';
import { ProctorApiError, ProctorClient } from '../../../test/sim/proctor/proctor-client';
import type { ExamDataService, ReleaseInfo } from '../../load/api';
import { GuessThrottle, type GuessLimits } from '../server/guess-throttle';
import { RegistrationService } from '../server/registration-service';
import { RoomRegistrationRow } from '../server/room-registration-row';
import { startRegistrationKernel, type RegistrationKernel } from './registration-kernel';

const ROOMS = ['11003001', '11003002', '11003003'] as const;

async function auditCount(site: RegistrationKernel, action: string): Promise<number> {
  return auditEventCount(site.server, action);
}

/** Status and code of each of the settled registrations, sorted. */
async function statuses(attempts: Promise<unknown>[]): Promise<number[]> {
  const settled = await Promise.allSettled(attempts);
  return settled
    .map((s) => {
      if (s.status === 'fulfilled') return 200;
      expect(s.reason).to.be.instanceOf(ProctorApiError);
      return (s.reason as ProctorApiError).status;
    })
    .sort();
}

/**
 * R3.4: the guessing limit is counted before the comparison (a point is taken first and
 * given back when the code was right), so guesses sent in parallel compare exactly the
 * allowance — every compared wrong guess is audited as proctor.register.failed, every
 * refused-uncompared one as proctor.register.locked.
 */
describe('registration-code guessing limit under parallel guesses (R3.4)', () => {
  let site: RegistrationKernel;
  afterEach(async () => {
    await site?.stop();
  });

  it('20 parallel wrong guesses for one room: exactly the room allowance (3) is compared, the rest are locked uncompared', async () => {
    site = await startRegistrationKernel({ plugin: { guessLimits: { perRoomAddress: 3, perAddress: 100, windowSeconds: 600, lockSeconds: 600 } } });
    const guesses = Array.from({ length: 20 }, (_, i) =>
      site.proctor().register({ roomCode: ROOMS[0], registrationCode: `WRONG${String(100 + i)}`, machineId: `pc-${i}` }),
    );
    expect(await statuses(guesses)).to.deep.equal([...Array<number>(2).fill(401), ...Array<number>(18).fill(429)]);
    expect(await auditCount(site, 'proctor.register.failed')).to.equal(3);
    expect(await auditCount(site, 'proctor.register.locked')).to.equal(17);
    expect(await site.server.store.manager.count(RoomRegistrationRow)).to.equal(0);
    // Locked even for the right code.
    const right = await Promise.allSettled([site.proctor().register({ roomCode: ROOMS[0], registrationCode: await site.code(ROOMS[0]), machineId: 'pc-ok' })]);
    expect(right[0]!.status).to.equal('rejected');
    const err = (right[0] as PromiseRejectedResult).reason as ProctorApiError;
    expect(err.status).to.equal(429);
    expect(err.message).to.equal('本机（127.0.0.1）对考场 11003001 的注册码错误次数过多，已暂时锁定，请 10 分钟后再试，或请考点管理员在“考场注册”中解除锁定');
    expect(await site.server.store.manager.count(RoomRegistrationRow)).to.equal(0);
  });

  it('20 parallel wrong guesses across rooms from one address: exactly the address allowance (4) is compared', async () => {
    site = await startRegistrationKernel({ plugin: { guessLimits: { perRoomAddress: 100, perAddress: 4, windowSeconds: 600, lockSeconds: 600 } } });
    const guesses = Array.from({ length: 20 }, (_, i) =>
      site.proctor().register({ roomCode: `11003${String(100 + i)}`, registrationCode: 'WRONGCDE', machineId: `pc-${i}` }),
    );
    expect(await statuses(guesses)).to.deep.equal([...Array<number>(3).fill(401), ...Array<number>(17).fill(429)]);
    expect(await auditCount(site, 'proctor.register.failed')).to.equal(4);
    expect(await auditCount(site, 'proctor.register.locked')).to.equal(16);
  });

  it('a right code gives its point back: more successful registrations than the allowance from one address, then the count is where the failures left it', async () => {
    site = await startRegistrationKernel({ plugin: { guessLimits: { perRoomAddress: 5, perAddress: 2, windowSeconds: 600, lockSeconds: 600 } } });
    const holders = new Map<string, ProctorClient>();
    for (const room of ROOMS) {
      const holder = site.proctor();
      const r = await holder.register({ roomCode: room, registrationCode: await site.code(room), machineId: `pc-${room}` });
      expect(r.roomCode).to.equal(room);
      holders.set(room, holder);
    }
    // The holder again, with its credential: still not counted.
    await holders.get(ROOMS[0])!.register({ roomCode: ROOMS[0], registrationCode: await site.code(ROOMS[0]), machineId: `pc-${ROOMS[0]}` });
    try {
      await site.proctor().register({ roomCode: ROOMS[1], registrationCode: 'WRONGCDE', machineId: 'pc-x' });
      expect.fail('expected 401');
    } catch (e) {
      expect((e as ProctorApiError).status).to.equal(401);
      expect((e as ProctorApiError).message).to.equal('考场代码或注册码错误，请核对考点下发的考场注册信息（还可尝试 1 次）');
    }
    expect(await site.server.store.manager.count(RoomRegistrationRow)).to.equal(3);
  });
});

describe('registration refused before exam data is loaded is not a guess (R3.4)', () => {
  it('does not use up the allowance: more 409s than the allowance, never a lock', async () => {
    const site = await startRegistrationKernel({ release: null, plugin: { guessLimits: { perRoomAddress: 2, perAddress: 2, windowSeconds: 600, lockSeconds: 600 } } });
    try {
      for (let i = 0; i < 4; i++) {
        try {
          await site.proctor().register({ roomCode: '11003001', registrationCode: 'ABCDEFGH', machineId: 'pc' });
          expect.fail('expected 409');
        } catch (e) {
          expect((e as ProctorApiError).status, (e as Error).message).to.equal(409);
          expect((e as ProctorApiError).message).to.equal('考点尚未载入考务数据，暂不能注册；请等考点管理员完成“载入考务”后再试');
        }
      }
      expect(await auditCount(site, 'proctor.register.locked')).to.equal(0);
    } finally {
      await site.stop();
    }
  });
});

/**
 * The same limit with the exam data read taking a real round trip (as on PostgreSQL): the
 * guesses' comparisons are in flight together. Checking the lock first and counting after
 * lets every one of them be compared; taking the point first compares exactly the allowance.
 */
describe('guessing limit with slow exam-data reads, as on PostgreSQL (R3.4)', () => {
  const release: ReleaseInfo = {
    siteCode: '11003',
    mode: 'mock',
    releaseTime: '2026-12-01T20:00:00+08:00',
    loadedAt: '2026-12-01T12:00:00.000Z',
    manualImportAt: null,
    verified: true,
    verifiedAt: null,
    manifestSha256: '0'.repeat(64),
    resultEncryptionKey: null,
  };

  function serviceWith(limits: GuessLimits): { service: RegistrationService; compared: () => number; audited: string[] } {
    let reads = 0;
    const roundTrip = (): Promise<void> => new Promise((r) => setTimeout(r, 5));
    const examData = {
      currentRelease: async () => {
        await roundTrip();
        return release;
      },
      registrationCodeOf: async () => {
        reads += 1; // read right before the comparison: one per compared guess
        await roundTrip();
        return 'K7MP3QXA';
      },
    } as unknown as ExamDataService;
    const audited: string[] = [];
    const audit = { record: async (_actor: string, action: string) => void audited.push(action) } as unknown as AuditLog;
    const service = new RegistrationService({} as Store, examData, audit, new LiveEvents(), new GuessThrottle(limits));
    return { service, compared: () => reads, audited };
  }

  async function guessAll(service: RegistrationService, n: number, roomOf: (i: number) => string): Promise<number[]> {
    const settled = await Promise.allSettled(
      Array.from({ length: n }, (_, i) => service.register({ roomCode: roomOf(i), registrationCode: 'WRONGCDE', machineId: `pc-${i}`, clientVersion: '1.0.0' }, '192.168.1.50')),
    );
    return settled.map((r) => {
      expect(r.status).to.equal('rejected');
      const e = (r as PromiseRejectedResult).reason as AppError;
      expect(e).to.be.instanceOf(AppError);
      return e.status;
    });
  }

  it('per room: 20 parallel wrong guesses compare exactly 3', async () => {
    const { service, compared, audited } = serviceWith({ perRoomAddress: 3, perAddress: 100, windowSeconds: 600, lockSeconds: 600 });
    const codes = await guessAll(service, 20, () => '11003001');
    expect(compared()).to.equal(3);
    expect(audited.filter((a) => a === 'proctor.register.failed')).to.have.length(3);
    expect(audited.filter((a) => a === 'proctor.register.locked')).to.have.length(17);
    expect(codes.filter((c) => c === 401)).to.have.length(2);
    expect(codes.filter((c) => c === 429)).to.have.length(18);
  });

  it('per address: 20 parallel wrong guesses over 20 rooms compare exactly 4', async () => {
    const { service, compared, audited } = serviceWith({ perRoomAddress: 100, perAddress: 4, windowSeconds: 600, lockSeconds: 600 });
    await guessAll(service, 20, (i) => `11003${String(100 + i)}`);
    expect(compared()).to.equal(4);
    expect(audited.filter((a) => a === 'proctor.register.failed')).to.have.length(4);
  });
});
