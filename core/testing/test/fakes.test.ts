import { expect } from 'chai';
import { coreServices } from '../../services';
import { CentreError } from '../../centre/centre-error';
import { SimulatedHidDevice } from '../../dongle/fake-hid';
import { siteQuerySchema } from '../../centre/centre-contract';
import { centreReply, defineCentreEndpoint } from '../../centre/centre-endpoint';
import { coreCentreEndpoints } from '../../centre/core-endpoints';
import { FakeCentreClient, centreFile } from '../fake-centre';

/** An endpoint a plugin would declare in its api/. */
const demoEndpoint = defineCentreEndpoint({
  id: 'demo.file',
  description: '示例文件',
  method: 'GET',
  path: (q) => `/sites/${q.siteCode}/demo`,
  request: siteQuerySchema,
  query: (q) => ({ mode: q.mode }),
  reply: centreReply.file(),
  retry: true,
});
import { FakeDongle } from '../fake-dongle';
import { TestClient } from '../http-client';
import { withPcClockShift } from '../manual-clock';
import { startTestServer, type TestServer } from '../test-server';
import { waitFor } from '../wait-for';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

interface ClockReading {
  trustedTime: string | null;
  driftMs: number | null;
  calibrated: boolean;
}

describe('core/testing fakes: dongle, clock and centre for plugin tests', function () {
  this.timeout(30000);
  let server: TestServer | null = null;
  afterEach(async () => {
    await server?.stop();
    server = null;
  });

  it('R6.1 fake dongle + fake centre: online calibration, trusted time moves with the dongle clock only, not the PC clock', async () => {
    const dongle = new FakeDongle();
    const centre = new FakeCentreClient();
    // The admin session's idle limit runs on the PC clock; keep it longer than the shift below.
    server = await startTestServer({ plugins: [], fakes: { dongle, centre }, config: { adminSessionIdleMinutes: 7 * 24 * 60 } });
    const admin = new TestClient(server.url);
    await admin.login();

    const calibrated = await admin.post<ClockReading>('/api/clock/calibrate');
    expect(calibrated.status).to.equal(200);
    const t0 = Date.parse(calibrated.body.trustedTime!);
    expect(centre.callsOf(coreCentreEndpoints.timeToken)).to.have.length(1);
    expect(centre.callsOf(coreCentreEndpoints.timeToken)[0]).to.include({ dongleId: dongle.dongles.current()!.id() });

    dongle.clock.advance(5 * MINUTE);
    const later = await admin.get<ClockReading>('/api/clock');
    expect(Date.parse(later.body.trustedTime!) - t0).to.equal(5 * MINUTE);

    // Three days on the PC clock: trusted time stays put, the drift shows the difference.
    const shifted = await withPcClockShift(3 * DAY, () => admin.get<ClockReading>('/api/clock'));
    expect(Date.parse(shifted.body.trustedTime!) - t0).to.equal(5 * MINUTE);
    expect(shifted.body.driftMs).to.be.greaterThan(3 * DAY - 5 * MINUTE - 60_000);
  });

  it('R1.1 fake HID dongle: absent → login refused; plugged → HID in the status; the soft dongle never passes formal', async () => {
    const dongle = new FakeDongle({ mode: 'hid' });
    server = await startTestServer({ plugins: [], fakes: { dongle } });
    const admin = new TestClient(server.url);
    const refused = await admin.post<{ error: { code: string; message: string } }>('/api/auth/login', { username: 'admin', password: '888' });
    expect(refused.status).to.equal(503);
    expect(refused.body.error.message).to.contain('未检测到机考锁');

    const device = new SimulatedHidDevice('KD-0042');
    dongle.hid.plug(device);
    await dongle.dongles.poll();
    await admin.login();
    const status = await admin.get<{ dongle: { present: boolean; id: string; kind: string } }>('/api/status');
    expect(status.body.dongle).to.include({ present: true, id: 'KD-0042', kind: 'hid' });
    expect(dongle.dongles.assertUsableFor('formal').id()).to.equal('KD-0042');

    const soft = new FakeDongle({ mode: 'soft' });
    await server.stop();
    server = await startTestServer({ plugins: [], fakes: { dongle: soft } });
    expect(() => soft.dongles.assertUsableFor('formal')).to.throw('模拟机考锁不能用于正式考试');
    expect(soft.dongles.assertUsableFor('mock').kind).to.equal('soft');
  });

  it('R12.1 fake centre: down → the report waits in the outbox; refused once → kept; up → delivered exactly once', async () => {
    const centre = new FakeCentreClient();
    centre.reachable = false;
    server = await startTestServer({
      plugins: [],
      fakes: { centre },
      config: { centreProbeIntervalMs: 100, centreRetryBaseMs: 20, centreRetryMaxMs: 50 },
    });
    const admin = new TestClient(server.url);
    await admin.login();
    await (await server.kernel.get(coreServices.settings)).update({ siteCode: '11003', mode: 'mock' });
    const outbox = await server.kernel.get(coreServices.outbox);

    const entry = await outbox.enqueue('test-report', { rooms: 3 });
    await waitFor('a failed attempt', () => centre.callsOf('sendReport').length > 0, 5000, 20);
    expect((await outbox.find(entry.idempotencyKey))?.state).to.equal('pending');
    expect((await admin.get<{ network: string }>('/api/status')).body.network).to.equal('down');

    centre.reportFailures.push(new CentreError('CENTRE_REFUSED', '监控平台拒绝了请求：测试', 409));
    centre.reachable = true;
    await waitFor('delivered', async () => (await outbox.find(entry.idempotencyKey))?.state === 'delivered', 5000, 20);
    expect(centre.reports.size).to.equal(1);
    expect(centre.reports.get(entry.idempotencyKey)).to.include({ kind: 'test-report', siteCode: '11003', mode: 'mock' });
    await waitFor('network up', async () => (await admin.get<{ network: string }>('/api/status')).body.network === 'up', 5000, 20);
    const sends = centre.callsOf('sendReport').length;
    await new Promise((r) => setTimeout(r, 200));
    expect(centre.callsOf('sendReport')).to.have.length(sends);
  });

  it('refuses a call it has no answer for, in Chinese, instead of faking success', async () => {
    const centre = new FakeCentreClient();
    let caught: unknown;
    try {
      await centre.call(demoEndpoint, { siteCode: '11003', mode: 'mock' });
    } catch (e) {
      caught = e;
    }
    expect(caught).to.be.instanceOf(CentreError);
    expect((caught as CentreError).code).to.equal('CENTRE_NOT_FOUND');
    expect((caught as CentreError).message).to.contain('监控平台上没有所请求的数据');
  });

  it('answers a plugin endpoint only as the test set it, after checking the input like the real transport', async () => {
    const centre = new FakeCentreClient();
    const asked: unknown[] = [];
    centre.answer(demoEndpoint, async (q) => {
      asked.push(q);
      return centreFile(Buffer.from(`文件 ${q.siteCode}`));
    });
    const file = await centre.call(demoEndpoint, { siteCode: '11003', mode: 'mock' });
    expect(file.bytes.toString()).to.equal('文件 11003');
    expect(centre.callsOf(demoEndpoint)).to.deep.equal([{ siteCode: '11003', mode: 'mock' }]);
    let caught: unknown;
    await centre.call(demoEndpoint, { siteCode: '1', mode: 'mock' }).catch((e: unknown) => (caught = e));
    expect((caught as CentreError).code).to.equal('CENTRE_REQUEST_INVALID');
    expect((caught as CentreError).message).to.equal('示例文件请求无效：siteCode：考点代码应为 5 位数字，请先在系统设置中填写');
    expect(asked).to.have.length(1);
  });
});
