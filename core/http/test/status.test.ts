import { expect } from 'chai';
import { TestClient } from '../../testing/http-client';
import { startTestServer, type TestServer } from '../../testing/test-server';

describe('GET /api/status — the status bar (R1.5)', function () {
  this.timeout(30000);
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ plugins: [] });
  });
  after(async () => server.stop());

  it('has the fields issue 2 lists, each with its documented values, and only for an admin', async () => {
    const client = new TestClient(server.url);
    expect((await client.get('/api/status')).status).to.equal(401);
    await client.login();
    const r = await client.get<Record<string, unknown> & { dongle: Record<string, unknown> }>('/api/status');
    expect(r.status).to.equal(200);
    const s = r.body;
    expect(s).to.include.keys('port', 'lan', 'ftp', 'network', 'time', 'siteCode', 'mode', 'dongle');
    expect(s.port).to.equal(server.port);
    expect(s.lan).to.equal('running');
    // No FTP plugin and no centre in this server: reported truthfully.
    expect(s.ftp).to.equal('stopped');
    expect(s.network).to.equal('down');
    expect(s.time).to.match(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(Math.abs(Date.parse(s.time as string) - Date.now())).to.be.lessThan(60_000);
    // The soft dongle is uncalibrated after a start: the time shown is the PC's, and says so.
    expect(s.timeSource).to.equal('pc');
    expect(s.siteCode).to.equal(null);
    expect(s.mode).to.equal('mock');
    expect(s.dongle).to.include({ present: true, kind: 'soft', label: '模拟机考锁' });
    expect(s.dongle.id).to.match(/^SOFT-[0-9A-F]{8}$/);
  });
});
