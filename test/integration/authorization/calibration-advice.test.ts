import { expect } from 'chai';
import { MINUTE, startAuthorizationSite, type AuthorizationSite } from './authorization-harness';
import { withPcClockShift } from '../../../core/testing/manual-clock';
import { issueAuthorization } from '../../sim/centre/authorization-issuer';

interface Advice {
  calibrated: boolean;
  stale: boolean;
  trustedTime: string | null;
  driftMs: number | null;
  lastCalibration: { at: string; source: string; tokenTime: string } | null;
  nearSession: { sessionNo: number } | null;
  warning: string | null;
  warnLeadMinutes: number;
}

async function advice(site: AuthorizationSite): Promise<Advice> {
  const r = await site.admin.get<Advice>('/api/authorization/calibration');
  expect(r.status, JSON.stringify(r.body)).to.equal(200);
  return r.body;
}

describe('机考锁校时 advice before a session (R6.1)', function () {
  this.timeout(60_000);

  describe('with the default warning lead (120 min; session 1 starts in 3 h)', () => {
    let site: AuthorizationSite;
    before(async () => {
      site = await startAuthorizationSite({ loadData: true });
    });
    after(async () => {
      await site?.stop();
    });

    it('no session is near: no warning, even though the dongle is not calibrated', async () => {
      const a = await advice(site);
      expect(a).to.include({ calibrated: false, warning: null, warnLeadMinutes: 120 });
      expect(a.nearSession).to.equal(null);
    });
  });

  describe('with a 240 min warning lead and a 0.1 h stale limit', () => {
    let site: AuthorizationSite;
    before(async () => {
      site = await startAuthorizationSite({ config: { calibrationWarnLeadMinutes: 240, calibrationStaleHours: 0.1 } });
    });
    after(async () => {
      await site?.stop();
    });

    it('warns that the dongle is not calibrated before the near session', async () => {
      const a = await advice(site);
      expect(a.nearSession?.sessionNo).to.equal(1);
      expect(a.warning).to.match(/^第 1 场次（第一场次）开考时间为 .*，机考锁时钟尚未校时；请立即进行机考锁校时，否则无法完成授权验证$/);
      expect(a.lastCalibration).to.equal(null);
    });

    it('online calibration through the centre clears the warning and shows the last calibration and the drift', async () => {
      const r = await site.admin.post('/api/clock/calibrate');
      expect(r.status, JSON.stringify(r.body)).to.equal(200);
      const a = await advice(site);
      expect(a).to.include({ calibrated: true, stale: false, warning: null });
      expect(a.lastCalibration?.source).to.equal('online');
      expect(Math.abs(a.driftMs!)).to.be.below(5_000);
      // Moving the PC clock does not move the trusted time.
      await withPcClockShift(7 * MINUTE, async () => {
        const shifted = await advice(site);
        expect(Math.abs(Date.parse(shifted.trustedTime!) - Date.parse(a.trustedTime!))).to.be.below(5_000);
        expect(shifted.warning).to.equal(null);
      });
    });

    it('warns again once the calibration is stale on the dongle clock', async () => {
      site.advanceDongleClock(10 * MINUTE);
      const a = await advice(site);
      expect(a.stale).to.equal(true);
      expect(a.warning).to.contain('距上次机考锁校时已过久');
    });
  });

  describe('formal exam with the software dongle (R1.1)', () => {
    let site: AuthorizationSite;
    before(async () => {
      site = await startAuthorizationSite({ mode: 'formal' });
    });
    after(async () => {
      await site?.stop();
    });

    it('refuses 考试授权 and the import: the software dongle never satisfies a formal exam', async () => {
      const d = await site.admin.post<{ error: { code: string; message: string } }>('/api/authorization/download');
      expect(d.status).to.equal(403);
      expect(d.body.error).to.deep.include({ code: 'DONGLE_SOFT_FORMAL' });
      expect(d.body.error.message).to.contain('模拟机考锁不能用于正式考试');
      const i = await site.admin.post<{ error: { code: string } }>('/api/authorization/import', issueAuthorization(site.issueContext(1)));
      expect(i.status).to.equal(403);
      expect(i.body.error.code).to.equal('DONGLE_SOFT_FORMAL');
      expect((await site.sessions()).every((s) => !s.authorized)).to.equal(true);
    });
  });
});
