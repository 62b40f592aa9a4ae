import { expect } from 'chai';
import { issueAuthorization, issueVerification } from '../../sim/centre/authorization-issuer';
import { writeVerificationCommand } from '../../sim/centre/commands/write-ptq-command';
import type { SimPublishedRelease } from '../../sim/centre/sim-types';
import type { VerificationPayload } from '../../../plugins/authorization/api';
import { authorizationRows, HOUR, MINUTE, SITE, startAuthorizationSite, writeSessionFileWithSim, type AuthorizationSite } from './authorization-harness';
import { withPcClockShift } from '../../../core/testing/manual-clock';
import type { ErrorBody } from '../../../core/http/errors';
import { startedForSuite } from '../../../core/testing/started-fixture';

async function rows(site: AuthorizationSite): Promise<string> {
  return JSON.stringify(await authorizationRows(site));
}

/**
 * 授权验证 (R6.2) judged on the dongle's trusted clock only. Session 1 starts 3 h after
 * setup (window opens 60 min before), session 2 27 h after. The dongle's clock is moved by
 * its monotonic source; the PC clock is moved separately and must change nothing.
 */
describe('授权验证 on the dongle clock, never the PC clock (R6.2)', function () {
  this.timeout(60_000);
  let site: AuthorizationSite;

  startedForSuite(() => startAuthorizationSite(), (v) => {
    site = v;
  });

  it('refuses a session that is not authorized yet, pointing to step 3', async () => {
    const r = await site.admin.post<ErrorBody>('/api/authorization/sessions/1/verify');
    expect(r.status).to.equal(400);
    expect(r.body.error.code).to.equal('SESSION_NOT_AUTHORIZED');
    expect(r.body.error.message).to.contain('请先完成第 3 步“考试授权”');
    const d = await site.admin.post<{ allAuthorized: boolean }>('/api/authorization/download');
    expect(d.body.allAuthorized).to.equal(true);
  });

  it('refuses while the dongle clock is not calibrated, whatever the PC clock says', async () => {
    const before = await rows(site);
    await withPcClockShift(2.5 * HOUR, async () => {
      const r = await site.admin.post<ErrorBody>('/api/authorization/sessions/1/verify');
      expect(r.status).to.equal(400);
      expect(r.body.error.code).to.equal('CLOCK_UNCALIBRATED');
      expect(r.body.error.message).to.contain('机考锁时钟尚未校时');
    });
    expect(await rows(site)).to.equal(before);
  });

  it('refuses before the window (dongle 3 h before start) even with the PC clock moved into the window', async () => {
    await site.calibrate();
    const before = await rows(site);
    for (const shift of [0, 2.5 * HOUR]) {
      await withPcClockShift(shift, async () => {
        const online = await site.admin.post<ErrorBody>('/api/authorization/sessions/1/verify');
        expect(online.status, `PC shift ${shift}`).to.equal(400);
        expect(online.body.error.code).to.equal('VERIFICATION_TOO_EARLY');
        expect(online.body.error.message).to.match(/第 1 场次开考时间为 .*，最早可在 .* 进行授权验证；机考锁当前时间为/);
        const file = await writeSessionFileWithSim(site, writeVerificationCommand, 1);
        const offline = await site.admin.post<ErrorBody>('/api/authorization/sessions/1/verification/import', file);
        expect(offline.status).to.equal(400);
        expect(offline.body.error.code).to.equal('VERIFICATION_TOO_EARLY');
      });
    }
    expect(await rows(site)).to.equal(before);
    expect((await site.sessions())[0]!.verified).to.equal(false);
  });

  it('passes online inside the window (dongle 30 min before start) with the PC clock a day behind', async () => {
    site.advanceDongleClock(2.5 * HOUR);
    await withPcClockShift(-24 * HOUR, async () => {
      const r = await site.admin.post<{ message: string; session: { verified: boolean; verifiedAt: string; verificationSource: string } }>('/api/authorization/sessions/1/verify');
      expect(r.status, JSON.stringify(r.body)).to.equal(200);
      expect(r.body.message).to.equal('授权验证成功');
      expect(r.body.session.verified).to.equal(true);
      expect(r.body.session.verificationSource).to.equal('online');
      // Recorded in trusted time: 30 minutes before the start, not the PC's idea of now.
      expect(Math.abs(Date.parse(r.body.session.verifiedAt) - (site.sessionStarts[1]! - 30 * MINUTE))).to.be.below(2 * MINUTE);
    });
    const sessions = await site.sessions();
    expect(sessions.map((s) => [s.sessionNo, s.authorized, s.verified])).to.deep.equal([
      [1, true, true],
      [2, true, false],
    ]);
  });

  describe('verification files (offline)', () => {
    let before: string;
    beforeEach(async () => {
      before = await rows(site);
    });

    const refusals: { name: string; bytes: () => Buffer; code: string; message: RegExp }[] = [
      {
        name: 'a file of another session',
        bytes: () => issueVerification({ ...site.issueContext(1), now: new Date().toISOString() }),
        code: 'VERIFICATION_WRONG_SESSION',
        message: /所选文件是第 1 场次的授权验证文件，不是第 2 场次的/,
      },
      {
        name: 'a file of another site',
        bytes: () => issueVerification({ ...site.issueContext(2), now: new Date().toISOString() }, { siteCode: '11004' }),
        code: 'VERIFICATION_FOREIGN_SITE',
        message: /授权验证文件考点代码 11004 与本考点 11003 不一致/,
      },
      {
        name: 'a file of the other mode',
        bytes: () => issueVerification({ ...site.issueContext(2), now: new Date().toISOString() }, { mode: 'formal' }),
        code: 'VERIFICATION_WRONG_MODE',
        message: /授权验证文件用于正式考试，当前是模拟考试/,
      },
      {
        name: 'a file of another dongle',
        bytes: () => issueVerification({ ...site.issueContext(2), now: new Date().toISOString() }, { dongleId: 'HID-0000BBBB' }),
        code: 'VERIFICATION_FOREIGN_DONGLE',
        message: /授权验证文件绑定的机考锁为 HID-0000BBBB/,
      },
      {
        name: 'a tampered file',
        bytes: () => {
          const env = JSON.parse(issueVerification({ ...site.issueContext(2), now: new Date().toISOString() }).toString('utf8')) as { payload: string };
          const payload = Buffer.from(env.payload, 'base64').toString('utf8').replace('"mode":"mock"', '"mode":"mocK"');
          return Buffer.from(JSON.stringify({ ...env, payload: Buffer.from(payload).toString('base64') }));
        },
        code: 'SIGNATURE_INVALID',
        message: /授权验证文件校验失败：签名校验失败/,
      },
      {
        name: 'an authorization file in place of a verification file',
        bytes: () => issueAuthorization(site.issueContext(2)),
        code: 'VERIFICATION_INVALID',
        message: /不是有效的授权验证文件（文件类型为 "authorization"，应为 verification）/,
      },
    ];
    for (const c of refusals) {
      it(`refuses ${c.name} and changes nothing`, async () => {
        const r = await site.admin.post<ErrorBody>('/api/authorization/sessions/2/verification/import', c.bytes());
        expect(r.status, JSON.stringify(r.body)).to.equal(400);
        expect(r.body.error.code).to.equal(c.code);
        expect(r.body.error.message).to.match(c.message);
        expect(await rows(site)).to.equal(before);
      });
    }

    it('session 2: refused while the dongle is a day early, even with the PC clock moved to its start; passes once the dongle is there', async () => {
      const file = await writeSessionFileWithSim(site, writeVerificationCommand, 2);
      await withPcClockShift(27 * HOUR, async () => {
        const r = await site.admin.post<ErrorBody>('/api/authorization/sessions/2/verification/import', file);
        expect(r.status).to.equal(400);
        expect(r.body.error.code).to.equal('VERIFICATION_TOO_EARLY');
      });
      expect(await rows(site)).to.equal(before);

      site.advanceDongleClock(24 * HOUR); // dongle: 30 min before session 2
      // Inside the window, a file the centre issued after the session's end is not this session's.
      const late = issueVerification({ ...site.issueContext(2), now: new Date(site.sessionStarts[2]! + 91 * MINUTE).toISOString() });
      const refused = await site.admin.post<ErrorBody>('/api/authorization/sessions/2/verification/import', late);
      expect(refused.status, JSON.stringify(refused.body)).to.equal(400);
      expect(refused.body.error.code).to.equal('VERIFICATION_INVALID');
      expect(refused.body.error.message).to.match(/^授权验证文件的签发时间 .* 晚于第 2 场次的结束时间，不属于本场次；请重新获取授权验证文件$/);
      expect(await rows(site)).to.equal(before);
      await withPcClockShift(-3 * HOUR, async () => {
        const r = await site.admin.post<{ session: { verified: boolean; verificationSource: string } }>('/api/authorization/sessions/2/verification/import', file);
        expect(r.status, JSON.stringify(r.body)).to.equal(200);
        expect(r.body.session).to.include({ verified: true, verificationSource: 'file' });
      });
    });
  });

  describe('after the session', () => {
    it('refuses after the end of the session on the dongle clock, even with the PC clock moved back into it', async () => {
      // The dongle is now 30 min before session 2, long after session 1 ended.
      const before = await rows(site);
      await withPcClockShift(-24 * HOUR, async () => {
        const r = await site.admin.post<ErrorBody>('/api/authorization/sessions/1/verify');
        expect(r.status).to.equal(400);
        expect(r.body.error.code).to.equal('VERIFICATION_TOO_LATE');
        expect(r.body.error.message).to.match(/第 1 场次已于 .* 结束（机考锁当前时间为 .*），不能再进行授权验证/);
      });
      expect(await rows(site)).to.equal(before);
    });
  });
});

/**
 * A verification file names site, mode, session and dongle — and, since format v2, the
 * authorization it verifies (package manifest hash and authorization version). An earlier
 * exam's file for "session 1" must not verify this exam's session 1 (R4.4, R6.2, SPEC §5
 * "replayed inputs refused").
 */
describe('授权验证文件 bound to the held authorization (R4.4, R6.2, SPEC §5 replay)', function () {
  this.timeout(90_000);
  let site: AuthorizationSite;
  let earlierExamFile: Buffer;
  let laterRelease: SimPublishedRelease;

  const foreign = /^此授权验证文件属于另一次考试的数据（文件对应考场数据包 [0-9a-f]{12}…、授权版本 \d+；本考点第 1 场次的授权对应数据包 [0-9a-f]{12}…、授权版本 \d+），请从监控平台获取本场次的授权验证文件$/;

  startedForSuite(() => startAuthorizationSite(), async (v) => {
    site = v;
    const d = await site.admin.post<{ allAuthorized: boolean }>('/api/authorization/download');
    expect(d.body.allAuthorized).to.equal(true);
    // The earlier exam: its session 1 file, written by the centre for that package.
    earlierExamFile = await writeSessionFileWithSim(site, writeVerificationCommand, 1);

    // The later exam: a newer release with the same session numbers and times, loaded and authorized.
    laterRelease = await site.sim.publish({
      siteCode: SITE,
      mode: 'mock',
      rooms: 3,
      candidatesPerRoom: 6,
      sessions: site.release.sessions.map((s) => ({ ...s })),
      releaseTime: new Date(Date.now() - 30 * MINUTE).toISOString(),
      seed: 12,
    });
    expect(laterRelease.manifestSha256).to.not.equal(site.release.manifestSha256);
    const load = await site.admin.post('/api/load/download');
    expect(load.status, JSON.stringify(load.body)).to.equal(200);
    const again = await site.admin.post<{ allAuthorized: boolean }>('/api/authorization/download');
    expect(again.body.allAuthorized, JSON.stringify(again.body)).to.equal(true);
    await site.calibrate();
    site.advanceDongleClock(2.5 * HOUR); // dongle: 30 min before session 1, inside its window
  });

  function laterContext(sessionNo: number): ReturnType<AuthorizationSite['issueContext']> {
    const session = laterRelease.sessions.find((s) => s.no === sessionNo)!;
    return { ...site.issueContext(sessionNo), session, contentKey: laterRelease.sessionKeys[sessionNo]!, releaseTime: laterRelease.releaseTime, manifestSha256: laterRelease.manifestSha256 };
  }

  it('refuses the earlier exam\'s session-1 file inside the later session 1\'s window, and changes nothing', async () => {
    const before = await rows(site);
    const r = await site.admin.post<ErrorBody>('/api/authorization/sessions/1/verification/import', earlierExamFile);
    expect(r.status, JSON.stringify(r.body)).to.equal(400);
    expect(r.body.error.code).to.equal('VERIFICATION_FOREIGN_AUTHORIZATION');
    expect(r.body.error.message).to.match(foreign);
    expect(r.body.error.message).to.contain(site.release.manifestSha256.slice(0, 12));
    expect(r.body.error.message).to.contain(laterRelease.manifestSha256.slice(0, 12));
    expect(await rows(site)).to.equal(before);
    expect((await site.sessions())[0]!.verified).to.equal(false);
  });

  it('refuses a file for another version of the same package\'s authorization; the matching version (write-verification --version) passes', async () => {
    const held = (await site.sessions())[0]!.version!;
    const reissued = await site.admin.post('/api/authorization/import?session=1', issueAuthorization(laterContext(1), { version: held + 1 }));
    expect(reissued.status, JSON.stringify(reissued.body)).to.equal(200);

    const before = await rows(site);
    const stale = await writeSessionFileWithSim(site, writeVerificationCommand, 1); // the default version: `held`
    const r = await site.admin.post<ErrorBody>('/api/authorization/sessions/1/verification/import', stale);
    expect(r.status, JSON.stringify(r.body)).to.equal(400);
    expect(r.body.error.code).to.equal('VERIFICATION_FOREIGN_AUTHORIZATION');
    expect(r.body.error.message).to.match(foreign);
    expect(r.body.error.message).to.contain(`授权版本 ${held}；`).and.to.contain(`授权版本 ${held + 1}）`);
    expect(await rows(site)).to.equal(before);

    const matching = await writeSessionFileWithSim(site, writeVerificationCommand, 1, ['--version', String(held + 1)]);
    const ok = await site.admin.post<{ session: { verified: boolean } }>('/api/authorization/sessions/1/verification/import', matching);
    expect(ok.status, JSON.stringify(ok.body)).to.equal(200);
    expect(ok.body.session.verified).to.equal(true);
  });

  it('refuses a format-1 file (no binding) with what to do, and changes nothing', async () => {
    const before = await rows(site);
    const v1 = issueVerification({ ...laterContext(2), now: new Date().toISOString() }, { v: 1 } as unknown as Partial<VerificationPayload>);
    const r = await site.admin.post<ErrorBody>('/api/authorization/sessions/2/verification/import', v1);
    expect(r.status, JSON.stringify(r.body)).to.equal(400);
    expect(r.body.error.code).to.equal('VERIFICATION_FORMAT_UNSUPPORTED');
    expect(r.body.error.message).to.equal('所选授权验证文件的格式版本为 1，本系统只接受版本 2（旧格式未注明所属的考试数据）；请从监控平台重新获取授权验证文件');
    expect(await rows(site)).to.equal(before);
  });
});
