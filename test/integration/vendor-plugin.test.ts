import { expect } from 'chai';
import path from 'node:path';
import { generateSigningKeyPair } from '../../core/crypto';
import { TestClient } from '../../core/testing/http-client';
import { startTestServer, type TestServer } from '../../core/testing/test-server';
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
    const web = await client.get<{ pluginId: string; url: string }[]>('/api/plugins/web');
    expect(web.body).to.deep.include({ pluginId: 'example-cert', url: '/plugins/example-cert/web/index.js' });
    const mod = await fetch(server.url + '/plugins/example-cert/web/index.js');
    expect(mod.status).to.equal(200);
    expect(mod.headers.get('content-type')).to.contain('javascript');
    expect(await mod.text()).to.contain('export function activate');
    const escape = await fetch(server.url + '/plugins/example-cert/web/..%2f..%2fserver.js');
    expect(escape.status).to.not.equal(200);
    const openapi = await client.get<{ paths: Record<string, unknown> }>('/api/openapi.json');
    expect(openapi.body.paths).to.have.property('/api/example-cert/practical');
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

  it('accepts a good certificate file and shows it through the vendor route', async () => {
    const good = await pkg({ certificate: '示例证书', tasks: [{ code: 'T-01', title: '网页布局', minutes: 60 }] });
    const r = await client.post('/api/load/import', good.bytes, { 'content-type': 'application/zip' });
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    const seen = await client.get<{ lists: { certificate: string; tasks: { code: string }[] }[] }>('/api/example-cert/practical');
    expect(seen.body.lists).to.have.length(1);
    expect(seen.body.lists[0]!.tasks[0]!.code).to.equal('T-01');
  });
});
