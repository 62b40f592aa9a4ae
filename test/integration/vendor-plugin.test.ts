import { createHash } from 'node:crypto';
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { generateSigningKeyPair } from '../../core/crypto';
import { TestClient } from '../../core/testing/http-client';
import { makeTempDir, startTestServer, type TestServer } from '../../core/testing/test-server';
import { plugin as loadPlugin } from '../../plugins/load/server/plugin';
import { plugin as sealPlugin } from '../../plugins/seal/server/plugin';
import type { SealRunView } from '../../plugins/seal/api';
import { buildSitePackage, defaultSessions } from '../sim/centre/package-builder';
import type { ErrorBody } from '../../core/http/errors';

// The repository's example vendor plugin, loaded from its folder exactly as a site would.
const VENDOR_DIR = path.resolve(__dirname, '../../../vendor-plugins');

describe('vendor plugins loaded from the configured folder (R10.2, R10.3)', function () {
  this.timeout(60000);
  const key = generateSigningKeyPair();
  let server: TestServer;
  let client: TestClient;

  before(async () => {
    server = await startTestServer({ config: { vendorPluginDir: VENDOR_DIR, centreKeys: [key.publicKey] } });
    client = new TestClient(server.url);
    await client.login();
    await client.put('/api/settings', { siteCode: '11003', mode: 'mock' });
  });
  after(async () => server.stop());

  const pkg = (practical: unknown) =>
    buildSitePackage(
      { siteCode: '11003', mode: 'mock', rooms: 2, candidatesPerRoom: 5, sessions: defaultSessions(1), releaseTime: new Date().toISOString(), seed: 3 },
      { keyId: key.keyId, publicKey: key.publicKey, privateKeyPem: key.privateKeyPem },
      { extraFiles: [{ name: 'vendor/example-cert/practical.json', bytes: Buffer.from(JSON.stringify(practical)), listed: true }] },
    );

  it('boots the vendor plugin right after the plugin it extends and serves its route and web module', async () => {
    const order = server.kernel.bootOrder;
    expect(order.indexOf('example-cert')).to.equal(order.indexOf('load') + 1);
    const web = await client.get<{ pluginId: string; url: string; webHostApi?: string }[]>('/api/plugins/web');
    expect(web.body).to.deep.include({ pluginId: 'example-cert', url: '/plugins/example-cert/web/index.js', webHostApi: '^1.0.0' });
    const mod = await fetch(server.url + '/plugins/example-cert/web/index.js');
    expect(mod.status).to.equal(200);
    expect(mod.headers.get('content-type')).to.contain('javascript');
    // The committed build of the SFC panel: vue, element-plus and the web host stay imports.
    const text = await mod.text();
    expect(text).to.contain('function activate');
    expect(text).to.match(/from "vue"/).and.match(/from "element-plus"/).and.match(/from "@examsite\/web-host"/);
    const escape = await fetch(server.url + '/plugins/example-cert/web/..%2f..%2fserver.js');
    expect(escape.status).to.not.equal(200);
    const openapi = await client.get<{ paths: Record<string, unknown> }>('/api/openapi.json');
    expect(openapi.body.paths).to.have.property('/api/example-cert/practical');
  });

  it('the served shell carries the import map, and the CSP allows exactly that inline script', async () => {
    const page = await fetch(server.url + '/');
    const html = await page.text();
    const m = /<script type="importmap">([^<]*)<\/script>/.exec(html);
    expect(m, 'no import map in index.html').to.not.equal(null);
    const map = JSON.parse(m![1]!) as { imports: Record<string, string> };
    expect(Object.keys(map.imports).sort()).to.deep.equal(['@examsite/web-host', 'element-plus', 'vue']);
    const hash = `'sha256-${createHash('sha256').update(m![1]!, 'utf8').digest('base64')}'`;
    const scriptSrc = (page.headers.get('content-security-policy') ?? '').split('; ').find((d) => d.startsWith('script-src '));
    expect(scriptSrc).to.contain(hash);
    expect(scriptSrc).to.not.contain("'unsafe-inline'");
    for (const url of Object.values(map.imports)) {
      const mod = await fetch(server.url + url);
      expect(mod.status, url).to.equal(200);
      expect(mod.headers.get('content-type'), url).to.contain('javascript');
    }
  });

  it('its content handler refuses a bad certificate file in a package, with its Chinese message, and nothing is loaded', async () => {
    const bad = await pkg({ certificate: '示例证书', tasks: [] });
    const r = await client.post<ErrorBody>('/api/load/import', bad.bytes, { 'content-type': 'application/zip' });
    expect(r.status).to.equal(422);
    expect(r.body.error.message).to.contain('实操任务清单');
    expect((await client.get<{ rooms: unknown[] }>('/api/load/rooms')).body.rooms).to.have.length(0);
    const seen = await client.get<{ lists: unknown[] }>('/api/example-cert/practical');
    expect(seen.body.lists).to.have.length(0);
  });

  it('contributes a 封场检测 item that fails before its task list is loaded and passes after (issue 11 point 1)', async () => {
    const sealServer = await startTestServer({ plugins: [loadPlugin, sealPlugin], config: { vendorPluginDir: VENDOR_DIR, centreKeys: [key.publicKey] } });
    try {
      const admin = new TestClient(sealServer.url);
      await admin.login();
      await admin.put('/api/settings', { siteCode: '11003', mode: 'mock' });
      const itemOf = async (): Promise<SealRunView['items'][number] | undefined> =>
        (await admin.post<SealRunView>('/api/seal/run', {})).body.items.find((i) => i.id === 'example-cert.practical-loaded');
      expect(await itemOf()).to.deep.include({
        title: '示例证书实操任务清单已载入',
        passed: false,
        reason: '已载入的考务数据中没有示例证书的实操任务清单',
        fix: '请向证书厂商确认数据包含有 vendor/example-cert/practical.json，然后在“1 载入考务”中重新载入',
      });
      const good = await pkg({ certificate: '示例证书', tasks: [{ code: 'T-01', title: '网页布局', minutes: 60 }] });
      expect((await admin.post('/api/load/import', good.bytes, { 'content-type': 'application/zip' })).status).to.equal(200);
      expect(await itemOf()).to.deep.include({ passed: true, reason: '已载入示例证书实操任务 1 项（示例证书）', fix: null });
    } finally {
      await sealServer.stop();
    }
  });

  it('accepts a good certificate file and shows it through the vendor route', async () => {
    const good = await pkg({ certificate: '示例证书', tasks: [{ code: 'T-01', title: '网页布局', minutes: 60 }] });
    const r = await client.post('/api/load/import', good.bytes, { 'content-type': 'application/zip' });
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    const seen = await client.get<{ lists: { certificate: string; tasks: { code: string }[] }[] }>('/api/example-cert/practical');
    expect(seen.body.lists).to.have.length(1);
    expect(seen.body.lists[0]!.tasks[0]!.code).to.equal('T-01');
  });
});

/** A vendor folder `<root>/<id>` whose plugin runs `body` in register (init: `initBody`). */
function writeVendor(root: string, id: string, opts: { registerBody?: string; initBody?: string; required?: boolean; pkgText?: string } = {}): void {
  const folder = path.join(root, id);
  fs.mkdirSync(folder, { recursive: true });
  fs.writeFileSync(path.join(folder, 'examsite-plugin.json'), opts.pkgText ?? JSON.stringify({ id, main: 'server.js', ...(opts.required ? { required: true } : {}) }));
  fs.writeFileSync(
    path.join(folder, 'server.js'),
    `exports.createPlugin = (api) => api.definePlugin({
      manifest: { id: '${id}', version: '1.0.0', host: '^0.1.0', displayName: '${id}', extends: 'load' },
      register(env) {
        ${opts.registerBody ?? ''}
        env.registerInit({ deps: { http: api.coreServices.http, auth: api.coreServices.adminAuth }, init({ http, auth }) {
          ${opts.initBody ?? ''}
          http.route({ method: 'get', path: '/ping', operationId: 'pingVendor', summary: 'ping', guard: auth.guard, response: api.z.object({ ok: api.z.boolean() }), handler: () => ({ ok: true }) });
        } });
      },
    });`,
  );
}

describe('a vendor plugin that fails is disabled with a visible reason; the site runs (issue 9 point 10)', function () {
  this.timeout(60000);

  it('boots with the failing ones disabled, lists them with Chinese reasons and serves the good one', async () => {
    const root = makeTempDir('examsite-vendors-');
    writeVendor(root, 'vendor-good');
    writeVendor(root, 'vendor-init', { initBody: "throw new Error('缺少授权文件');" });
    writeVendor(root, 'vendor-register', { registerBody: "env.registerEntities([]); throw new Error('register boom');" });
    writeVendor(root, 'vendor-json', { pkgText: '{ not json' });
    const server = await startTestServer({ plugins: [loadPlugin], config: { vendorPluginDir: root } });
    try {
      const client = new TestClient(server.url);
      await client.login();
      const disabled = await client.get<{ pluginId: string; reason: string }[]>('/api/plugins/disabled');
      expect(disabled.status).to.equal(200);
      const reasons = Object.fromEntries(disabled.body.map((d) => [d.pluginId, d.reason]));
      expect(Object.keys(reasons).sort()).to.deep.equal(['vendor-init', 'vendor-json', 'vendor-register']);
      expect(reasons['vendor-init']).to.equal('厂商插件 vendor-init 在启动时出错（缺少授权文件），已停用；请向插件厂商索取与本系统匹配的版本');
      expect(reasons['vendor-register']).to.contain('在注册时出错（register boom）');
      expect(reasons['vendor-json']).to.contain('examsite-plugin.json 无效');
      expect((await client.get('/api/vendor-good/ping')).status).to.equal(200);
      // register threw: nothing it declared reached the kernel (its init never ran, no route).
      expect(server.kernel.bootOrder).to.include('vendor-register');
      expect((await client.get('/api/vendor-register/ping')).status).to.equal(404);
      expect((await client.get('/api/load/rooms')).status).to.equal(200);
    } finally {
      await server.stop();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('does not start when a required vendor plugin fails, and says why in Chinese', async () => {
    const root = makeTempDir('examsite-vendors-');
    writeVendor(root, 'vendor-licence', { required: true, initBody: "throw new Error('缺少授权文件');" });
    try {
      let error: unknown = null;
      await startTestServer({ plugins: [loadPlugin], config: { vendorPluginDir: root } }).then((s) => s.stop(), (e: unknown) => (error = e));
      expect(String(error)).to.contain('必需的厂商插件 vendor-licence 在启动时出错（缺少授权文件），系统停止启动');
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
