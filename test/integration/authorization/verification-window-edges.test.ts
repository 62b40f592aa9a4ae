import { expect } from 'chai';
import { createTimeToken } from '../../../core/clock/time-token';
import type { ErrorBody } from '../../../core/http/errors';
import { startedForSuite } from '../../../core/testing/started-fixture';
import { HOUR, MINUTE, startAuthorizationSite, type AuthorizationSite } from './authorization-harness';

/**
 * Issue 10 point 11: 授权验证 at the exact instants the window turns (R6.2). The window is
 * [start − 60 min, end): the opening instant passes, the end instant is refused. The dongle
 * clock is calibrated to a known millisecond and moved by its monotonic source, so "now" is
 * exactly the instant under test.
 */
describe('授权验证 at the exact edges of its window (R6.2, issue 10 point 11)', function () {
  this.timeout(60_000);
  let site: AuthorizationSite;
  let trustedMs: number;

  startedForSuite(() => startAuthorizationSite(), (v) => {
    site = v;
  });

  async function calibrateAt(ms: number): Promise<void> {
    const token = createTimeToken({ time: ms, dongleId: site.dongleId }, site.sim.state.signingKey.privateKeyPem);
    const r = await site.admin.post('/api/clock/import', Buffer.from(JSON.stringify(token)), { 'content-type': 'application/json' });
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    trustedMs = ms;
  }
  function moveDongleTo(ms: number): void {
    site.advanceDongleClock(ms - trustedMs);
    trustedMs = ms;
  }
  const verify = (): Promise<{ status: number; body: ErrorBody }> => site.admin.post<ErrorBody>('/api/authorization/sessions/1/verify');

  it('one millisecond before the window opens: refused as too early', async () => {
    const d = await site.admin.post<{ allAuthorized: boolean }>('/api/authorization/download');
    expect(d.body.allAuthorized, JSON.stringify(d.body)).to.equal(true);
    await calibrateAt(Date.now());
    moveDongleTo(site.sessionStarts[1]! - HOUR - 1);
    const r = await verify();
    expect(r.status, JSON.stringify(r.body)).to.equal(400);
    expect(r.body.error.code).to.equal('VERIFICATION_TOO_EARLY');
  });

  it('exactly at the opening instant (start − 60 min): passes', async () => {
    moveDongleTo(site.sessionStarts[1]! - HOUR);
    const r = await site.admin.post<{ session: { verified: boolean; verifiedAt: string } }>('/api/authorization/sessions/1/verify');
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    expect(r.body.session.verified).to.equal(true);
    expect(Date.parse(r.body.session.verifiedAt)).to.equal(site.sessionStarts[1]! - HOUR);
  });

  it('one millisecond before the end: still inside the window', async () => {
    moveDongleTo(site.sessionStarts[1]! + 120 * MINUTE - 1);
    expect((await verify()).status).to.equal(200);
  });

  it('exactly at the end instant (start + duration): refused as too late', async () => {
    moveDongleTo(site.sessionStarts[1]! + 120 * MINUTE);
    const r = await verify();
    expect(r.status, JSON.stringify(r.body)).to.equal(400);
    expect(r.body.error.code).to.equal('VERIFICATION_TOO_LATE');
    expect(r.body.error.message).to.match(/^第 1 场次已于 \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} 结束（机考锁当前时间为 \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}），不能再进行授权验证$/);
  });
});
