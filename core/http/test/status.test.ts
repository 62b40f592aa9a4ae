import { expect } from 'chai';
import { hostApiForVendors } from '../../host/host-api';
import { definePlugin } from '../../kernel/plugin';
import { coreServices } from '../../services';
import { TestClient } from '../../testing/http-client';
import { startTestServer, type TestServer } from '../../testing/test-server';
import { runState, statusItemsPoint } from '../status-items';
import type { SiteStatus } from '../status';

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
    expect(s).to.include.keys('port', 'lan', 'items', 'network', 'time', 'siteCode', 'mode', 'dongle');
    expect(s.port).to.equal(server.port);
    expect(s.lan).to.equal('running');
    // No plugin contributes an item (no FTP service here): nothing is claimed to run.
    expect(s.items).to.deep.equal([]);
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

describe('status-bar items contributed by plugins (issue 9 point 7b)', function () {
  this.timeout(30000);

  it('shows a contributed item, built from its services, and follows the state its plugin pushes', async () => {
    let running = false;
    let push: (() => Promise<void>) | null = null;
    const serverPlugin = definePlugin({
      manifest: { id: 'demo-server', version: '1.0.0', host: '^0.1.0', displayName: '示例服务' },
      register(env) {
        env.extendWith(statusItemsPoint, {
          deps: { status: coreServices.status },
          factory: ({ status }) => {
            push = () => status.publish();
            return { id: 'demo.server', label: '示例服务', state: () => runState(running) };
          },
        });
        env.extend(statusItemsPoint, { id: 'demo.broken', label: '坏项目', order: 200, state: () => { throw new Error('boom'); } });
      },
    });
    const server = await startTestServer({ plugins: [serverPlugin] });
    try {
      const client = new TestClient(server.url);
      await client.login();
      const items = async (): Promise<SiteStatus['items']> => (await client.get<SiteStatus>('/api/status')).body.items;
      expect(await items()).to.deep.equal([
        { id: 'demo.server', label: '示例服务', text: '停止', tone: 'bad' },
        // A throwing item shows 未知 and leaves the rest of the bar alone.
        { id: 'demo.broken', label: '坏项目', text: '未知', tone: 'bad' },
      ]);
      running = true;
      expect(push).to.be.a('function');
      await push!();
      expect((await items())[0]).to.deep.equal({ id: 'demo.server', label: '示例服务', text: '运行', tone: 'ok' });
    } finally {
      await server.stop();
    }
  });

  it('reaches vendor plugins through hostApi: the same point object, so their items count too', () => {
    const api = hostApiForVendors({});
    expect(api.hostPoints.statusItems).to.equal(statusItemsPoint);
    expect(api.runState(false)).to.deep.equal({ text: '停止', tone: 'bad' });
  });

  it('refuses a malformed item at boot, naming the plugin', async () => {
    const bad = definePlugin({
      manifest: { id: 'demo-bad', version: '1.0.0', host: '^0.1.0', displayName: '坏插件' },
      register: (env) => env.extend(statusItemsPoint, { id: 'Bad Id', label: 'x', state: () => runState(true) }),
    });
    let error: unknown;
    await startTestServer({ plugins: [bad] }).then((s) => s.stop(), (e: unknown) => (error = e));
    expect((error as Error).message).to.include('插件 demo-bad 向扩展点 core.statusItems 提供的内容无效：id：状态栏项目编号');
  });
});
