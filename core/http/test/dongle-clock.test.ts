import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { createTimeToken } from '../../clock/time-token';
import { generateSigningKeyPair } from '../../crypto/signing';
import { SettingRow } from '../../store/core-entities';
import { TestClient } from '../../testing/http-client';
import { makeTempDir, startTestServer, type TestServer } from '../../testing/test-server';
import { coreServices } from '../../services';
import type { ErrorBody } from '../errors';

describe('dongle gate and clock calibration over HTTP (R1.1, R6.1)', function () {
  this.timeout(30000);
  let server: TestServer | undefined;
  afterEach(async () => server?.stop());

  it('R1.1 without a dongle the login page says so and nothing else works', async () => {
    // `hid` mode and no device plugged in (no device exists on a CI machine).
    server = await startTestServer({ plugins: [], config: { dongle: 'hid' } });
    const client = new TestClient(server.url);
    const info = await client.get<{ dongle: { present: boolean; message: string } }>('/api/public/info');
    expect(info.body.dongle.present).to.equal(false);
    expect(info.body.dongle.message).to.contain('未检测到机考锁');
    const login = await client.post<ErrorBody>('/api/auth/login', { username: 'admin', password: '888' });
    expect(login.status).to.equal(503);
    expect(login.body.error.message).to.contain('未检测到机考锁');
  });

  it('R1.1 the soft dongle is labelled as such in the status', async () => {
    server = await startTestServer({ plugins: [] });
    const client = new TestClient(server.url);
    await client.login();
    const s = await client.get<{ dongle: { present: boolean; kind: string; label: string; id: string } }>('/api/status');
    expect(s.body.dongle).to.include({ present: true, kind: 'soft', label: '模拟机考锁' });
    expect(s.body.dongle.id).to.match(/^SOFT-[0-9A-F]{8}$/);
  });

  it('R6.1 imports a centre time-token file; a foreign, expired or tampered one changes nothing', async () => {
    const centre = generateSigningKeyPair();
    server = await startTestServer({ plugins: [], config: { centreKeys: [centre.publicKey] } });
    const client = new TestClient(server.url);
    await client.login();
    const dongleId = (await client.get<{ dongle: { id: string } }>('/api/status')).body.dongle.id;
    const before = await client.get<{ calibrated: boolean }>('/api/clock');
    expect(before.body.calibrated).to.equal(false);

    const post = (token: unknown): Promise<{ status: number; body: ErrorBody }> =>
      client.post<ErrorBody>('/api/clock/import', Buffer.from(JSON.stringify(token)), { 'content-type': 'application/json' });

    const foreign = await post(createTimeToken({ time: new Date(), dongleId: 'SOFT-00000000' }, centre.privateKeyPem));
    expect(foreign.status).to.equal(400);
    expect(foreign.body.error.message).to.contain('此校时文件属于机考锁 SOFT-00000000');
    const expired = await post(createTimeToken({ time: Date.now() - 3_600_000, dongleId }, centre.privateKeyPem));
    expect(expired.body.error.message).to.contain('校时文件已过期');
    const other = generateSigningKeyPair();
    const unknownKey = await post(createTimeToken({ time: new Date(), dongleId }, other.privateKeyPem));
    expect(unknownKey.status).to.equal(400);
    const tampered = createTimeToken({ time: new Date(), dongleId }, centre.privateKeyPem);
    const forged = { ...tampered, payload: Buffer.from(JSON.stringify({ kind: 'time-token', v: 1, time: new Date(Date.now() + 86_400_000).toISOString(), dongleId })).toString('base64') };
    const forgedRes = await post(forged);
    expect(forgedRes.status).to.equal(400);
    const notJson = await client.post<ErrorBody>('/api/clock/import', Buffer.from('garbage'), { 'content-type': 'application/octet-stream' });
    expect(notJson.body.error.message).to.contain('不是校时文件');
    expect((await client.get<{ calibrated: boolean }>('/api/clock')).body.calibrated).to.equal(false);
    expect(await server.store.manager.countBy(SettingRow, { key: 'clock.lastCalibration' })).to.equal(0);

    const time = new Date(Date.now() - 60_000);
    const ok = await post(createTimeToken({ time, dongleId }, centre.privateKeyPem));
    expect(ok.status).to.equal(200);
    const after = await client.get<{ calibrated: boolean; trustedTime: string; lastCalibration: { source: string } }>('/api/clock');
    expect(after.body.calibrated).to.equal(true);
    expect(after.body.lastCalibration.source).to.equal('file');
    expect(Math.abs(Date.parse(after.body.trustedTime) - time.getTime())).to.be.lessThan(5000);
    const status = await client.get<{ timeSource: string }>('/api/status');
    expect(status.body.timeSource).to.equal('trusted');
    // Replay of the same file is refused.
    const replay = await post(createTimeToken({ time, dongleId }, centre.privateKeyPem));
    expect(replay.body.error.message).to.contain('不晚于上次校时的时间');
    expect(fs.existsSync(path.join(server.dataDir, 'soft-dongle.json'))).to.equal(true);
  });
});

describe('online dongle calibration against the centre simulator (R6.1)', function () {
  this.timeout(30000);

  it('R6.1 calibrates online with a nonce-bound centre time token; a centre that is down changes nothing', async () => {
    const { startCentreSimulator } = await import('../../../test/sim/centre/centre-simulator');
    const simDir = makeTempDir('centre-sim-');
    const sim = await startCentreSimulator({ dataDir: simDir, port: 0 });
    const server = await startTestServer({ plugins: [], config: { centreUrl: sim.url, centreKeys: sim.keys.split(',') } });
    try {
      const client = new TestClient(server.url);
      await client.login();
      // 机考锁注册 through the product: needs the site code first.
      const early = await client.post<ErrorBody>('/api/dongle/register');
      expect(early.status).to.equal(409);
      expect(early.body.error.message).to.contain('请先在“系统设置”中填写考点代码');
      expect((await client.put('/api/settings', { siteCode: '11003', mode: 'mock' })).status).to.equal(200);
      const info = await client.get<{ id: string; signingPublicKey: string; wrappingPublicKey: string }>('/api/dongle');
      const dongles = await server.kernel.get(coreServices.dongle);
      expect(info.body.wrappingPublicKey).to.equal(dongles.current()!.publicKeys().wrapping);
      const registered = await client.post<{ registered: boolean; dongleId: string }>('/api/dongle/register');
      expect(registered.status).to.equal(200);
      expect(registered.body).to.include({ registered: true, dongleId: info.body.id });

      sim.setFault({ mode: 'down' });
      const down = await client.post<ErrorBody>('/api/clock/calibrate');
      expect(down.status).to.be.within(500, 599);
      expect(down.body.error.message).to.match(/监控平台/);
      expect((await client.get<{ calibrated: boolean }>('/api/clock')).body.calibrated).to.equal(false);

      sim.setFault({ mode: 'none' });
      const ok = await client.post<{ calibrated: boolean; lastCalibration: { source: string } }>('/api/clock/calibrate');
      expect(ok.status).to.equal(200);
      expect(ok.body.calibrated).to.equal(true);
      expect(ok.body.lastCalibration.source).to.equal('online');
    } finally {
      await server.stop();
      await sim.stop();
      fs.rmSync(simDir, { recursive: true, force: true });
    }
  });
});
