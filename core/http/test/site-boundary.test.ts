import { expect } from 'chai';
import os from 'node:os';
import { AuditLogRow } from '../../store/core-entities';
import { TestClient } from '../../testing/http-client';
import { rawRequest } from '../../testing/raw-request';
import { startTestServer, type TestServer } from '../../testing/test-server';
import type { ErrorBody } from '../errors';
import { hostNameOf } from '../site-boundary';

/** This PC's first non-loopback IPv4 address: connecting to it makes the server see a LAN client. */
function lanAddress(): string | null {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return null;
}

const codeOf = (body: unknown): string | undefined => (body as ErrorBody | undefined)?.error?.code;

describe('site boundary: the admin surface is the site PC only; the LAN reaches the proctor API (issue 10 point 1)', function () {
  this.timeout(60_000);
  let server: TestServer;
  let lan: string;

  before(async function () {
    const address = lanAddress();
    // Without a second interface there is no non-loopback client to be; the CI PC has one.
    if (!address) this.skip();
    lan = address!;
    server = await startTestServer({ config: { host: '0.0.0.0' } });
  });
  after(async () => {
    await server?.stop();
  });

  const lanUrl = (path: string): string => `http://${lan}:${server.port}${path}`;

  it('a LAN address gets 403 from the admin API and the admin UI, and its login attempt changes nothing', async () => {
    const auditBefore = await server.store.manager.count(AuditLogRow);
    const me = await rawRequest({ url: lanUrl('/api/auth/me') });
    expect(me.status).to.equal(403);
    expect(codeOf(me.json)).to.equal('ADMIN_SITE_PC_ONLY');
    expect((me.json as ErrorBody).error.message).to.contain('管理界面只能在考点服务器本机上使用');

    const login = await rawRequest({
      url: lanUrl('/api/auth/login'),
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: `http://${lan}:${server.port}` },
      body: JSON.stringify({ username: 'admin', password: '888' }),
    });
    expect(login.status).to.equal(403);
    expect(login.headers['set-cookie']).to.equal(undefined);
    expect(await server.store.manager.count(AuditLogRow)).to.equal(auditBefore);

    const page = await rawRequest({ url: lanUrl('/') });
    expect(page.status).to.equal(403);
    expect(page.headers['content-type']).to.match(/text\/html/);
    expect(page.text).to.contain('管理界面只能在考点服务器本机上使用');
    expect(page.text).not.to.contain('<script');
  });

  it('the same LAN address reaches the proctor API and its OpenAPI document', async () => {
    const whoami = await rawRequest({ url: lanUrl('/api/proctor/v1/whoami') });
    expect(whoami.status).to.equal(401);
    expect(codeOf(whoami.json)).not.to.equal('ADMIN_SITE_PC_ONLY');
    expect((await rawRequest({ url: lanUrl('/api/openapi.json') })).status).to.equal(200);
  });

  it('the site PC itself (loopback) reaches the admin API', async () => {
    const me = await rawRequest({ url: `http://127.0.0.1:${server.port}/api/auth/me` });
    expect(me.status).to.equal(401);
    expect(codeOf(me.json)).to.equal('NOT_LOGGED_IN');
  });

  it('an address the configuration allow-lists reaches the admin API and logs in', async () => {
    const allowed = await startTestServer({ config: { host: '0.0.0.0', adminAllowFrom: [`${lan}/32`] } });
    try {
      const client = new TestClient(`http://${lan}:${allowed.port}`);
      await client.login();
      expect((await client.get('/api/auth/me')).status).to.equal(200);
    } finally {
      await allowed.stop();
    }
  });

  it('a Host header that is not one of the site\'s own names is refused (DNS rebinding), on every route', async () => {
    for (const path of ['/api/auth/me', '/api/proctor/v1/whoami', '/api/openapi.json']) {
      const r = await rawRequest({ url: `http://127.0.0.1:${server.port}${path}`, headers: { host: `exam-site.attacker.example:${server.port}` } });
      expect(r.status, path).to.equal(403);
      expect(codeOf(r.json), path).to.equal('HOST_NOT_ALLOWED');
    }
    const page = await rawRequest({ url: `http://127.0.0.1:${server.port}/`, headers: { host: 'attacker.example' } });
    expect(page.status).to.equal(403);
    expect(page.text).to.contain('主机名不是本考点服务器的地址');
    for (const host of [`localhost:${server.port}`, `[::1]:${server.port}`, `127.0.0.1:${server.port}`, `${lan}:${server.port}`]) {
      const r = await rawRequest({ url: `http://127.0.0.1:${server.port}/api/openapi.json`, headers: { host } });
      expect(r.status, host).to.equal(200);
    }
  });

  it('an admin state change is refused unless it comes from the admin UI\'s own origin; the session lives on', async () => {
    const client = new TestClient(server.url);
    await client.login();
    const refusals: Record<string, string>[] = [
      { origin: `http://127.0.0.1:${server.port + 1}` },
      { origin: 'null' },
      { 'sec-fetch-site': 'same-site' },
      { 'sec-fetch-site': 'cross-site', origin: server.url },
      { 'sec-fetch-site': 'none' },
      // A client that says nothing about where it comes from proves nothing.
      { origin: '' },
    ];
    for (const headers of refusals) {
      const h: Record<string, string> = { authorization: `Bearer ${client.token}`, ...headers };
      if (h.origin === '') delete h.origin;
      const r = await rawRequest({ url: `${server.url}/api/auth/logout`, method: 'POST', headers: h });
      expect(r.status, JSON.stringify(headers)).to.equal(403);
      expect(codeOf(r.json), JSON.stringify(headers)).to.equal('CROSS_ORIGIN_REFUSED');
    }
    expect((await client.get('/api/auth/me')).status).to.equal(200);
    const sameOrigin = await rawRequest({
      url: `${server.url}/api/auth/logout`,
      method: 'POST',
      headers: { authorization: `Bearer ${client.token}`, 'sec-fetch-site': 'same-origin' },
    });
    expect(sameOrigin.status).to.equal(200);
  });

  it('an admin read requested by another site is refused too', async () => {
    const r = await rawRequest({ url: `${server.url}/api/auth/me`, headers: { 'sec-fetch-site': 'cross-site' } });
    expect(r.status).to.equal(403);
    expect(codeOf(r.json)).to.equal('CROSS_ORIGIN_REFUSED');
  });

  it('JSON routes accept exactly application/json: text/plain;charset=json gets 415 and changes nothing', async () => {
    const fresh = await startTestServer({ plugins: [] });
    try {
      const client = new TestClient(fresh.url);
      await client.login();
      for (const type of ['text/plain;charset=json', 'text/plain', 'application/x-www-form-urlencoded', 'application/jsonp', 'application/json; charset=latin1']) {
        const r = await client.request<ErrorBody>('PUT', '/api/settings', Buffer.from(JSON.stringify({ siteCode: '11003', mode: 'mock' })), { 'content-type': type });
        expect(r.status, type).to.equal(415);
        expect(r.body.error.message, type).to.equal('请求内容类型应为 application/json');
      }
      expect((await client.get<{ siteCode: string | null }>('/api/settings')).body.siteCode).to.equal(null);
      const ok = await client.request('PUT', '/api/settings', Buffer.from(JSON.stringify({ siteCode: '11003', mode: 'mock' })), { 'content-type': 'application/json; charset=UTF-8' });
      expect(ok.status).to.equal(200);
    } finally {
      await fresh.stop();
    }
  });

  it('reads the host name of a Host header, refusing malformed ones', () => {
    expect(hostNameOf('LocalHost:9190')).to.equal('localhost');
    expect(hostNameOf('[::1]:9190')).to.equal('::1');
    expect(hostNameOf('10.0.0.5')).to.equal('10.0.0.5');
    for (const bad of ['', 'a b', 'evil.example@127.0.0.1', '127.0.0.1:9190:1', '::1']) expect(hostNameOf(bad), bad).to.equal(null);
  });
});
