// Browser proof of issue 10 point 1: a page on another port of the same host (same-site, so
// the SameSite=Strict cookie goes along) cannot change anything through the admin session.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { TestClient } from '../../core/testing/http-client';
import { startTestServer, type TestServer } from '../../core/testing/test-server';
import { SESSION_COOKIE } from '../../core/auth/admin-auth';
import { AuditLogRow } from '../../core/store/core-entities';
import { launchBrowser, type LaunchedBrowser } from './browser';

/** The attacker's page: one request to the site as soon as it loads. */
function attackerPage(siteUrl: string): string {
  return `<!doctype html><meta charset="utf-8"><title>attacker</title>
<form id="f" method="POST" action="${siteUrl}/api/auth/logout"></form>
<script>
  // A "simple" request: no CORS preflight, the cookie goes along. A login with the cookie
  // would rotate (end) the admin's session.
  fetch(${JSON.stringify(`${siteUrl}/api/auth/login`)}, {
    method: 'POST', mode: 'no-cors', credentials: 'include',
    headers: { 'Content-Type': 'text/plain;charset=json' },
    body: JSON.stringify({ username: 'admin', password: '888' }),
  }).catch(() => {}).then(() => fetch(${JSON.stringify(`${siteUrl}/api/auth/logout`)}, { method: 'POST', mode: 'no-cors', credentials: 'include' }))
    .catch(() => {}).then(() => { document.title = 'fetched'; document.getElementById('f').submit(); });
</script>`;
}

describe('cross-origin request with the admin cookie, in a real browser (issue 10 point 1)', function () {
  this.timeout(120_000);
  let site: TestServer;
  let attacker: http.Server;
  let browser: LaunchedBrowser;

  before(async () => {
    site = await startTestServer({ plugins: [] });
    attacker = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(attackerPage(site.url));
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (attacker ? attacker.close(() => resolve()) : resolve()));
    await site?.stop();
  });

  it('a page on another port of 127.0.0.1 can neither log the admin out nor log in over the session through the cookie', async () => {
    const admin = new TestClient(site.url);
    await admin.login();
    const port = new URL(site.url).port;
    await browser.context.addCookies([{ name: SESSION_COOKIE, value: admin.token!, domain: '127.0.0.1', path: '/', httpOnly: true, sameSite: 'Strict' }]);
    // The cookie does reach the site from the attacker's origin: same host, another port.
    const seen: string[] = [];
    browser.page.on('request', (r) => {
      if (r.url().startsWith(site.url)) seen.push(`${r.method()} ${new URL(r.url()).pathname}`);
    });
    const attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`;
    assert.notEqual(new URL(attackerUrl).port, port);
    const navigation = browser.page.waitForURL(`${site.url}/api/auth/logout`, { timeout: 30_000 });
    await browser.page.goto(attackerUrl);
    await navigation;
    assert.match(await browser.page.innerText('body'), /CROSS_ORIGIN_REFUSED/);
    assert.deepEqual(seen, ['POST /api/auth/login', 'POST /api/auth/logout', 'POST /api/auth/logout']);

    // Nothing happened: the session is alive, and the only login is the test's own.
    assert.equal((await admin.get('/api/auth/me')).status, 200);
    const logins = await site.store.manager.countBy(AuditLogRow, { action: 'login' });
    assert.equal(logins, 1);
  });
});
