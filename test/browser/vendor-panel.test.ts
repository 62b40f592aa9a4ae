// Browser test of a vendor panel built from a Vue single-file component (issue 9 point 10):
// the example vendor plugin's committed ES module (vendor-plugins/example-cert/web/index.js,
// built by `npm run build:vendor-example`) is loaded at run time through the shell's import
// map under the real CSP, renders with the shell's Vue and Element Plus, and reacts to input.
// A broken vendor plugin next to it is disabled and shown as a warning; the site runs.
// Needs the built web UI (dist/web) and /usr/bin/chromium.
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { generateSigningKeyPair } from '../../core/crypto';
import { TestClient } from '../../core/testing/http-client';
import { makeTempDir, startTestServer, type TestServer } from '../../core/testing/test-server';
import { plugin as loadPlugin } from '../../plugins/load/server/plugin';
import { buildSitePackage, defaultSessions } from '../sim/centre/package-builder';
import { ensureWebBuilt, launchBrowser, openLoggedIn, type LaunchedBrowser } from './browser';

const EXAMPLE = path.resolve(__dirname, '../../../vendor-plugins/example-cert');

describe('vendor panel from a Vue SFC, through the import map (browser, issue 9 point 10)', function () {
  this.timeout(180_000);
  const key = generateSigningKeyPair();
  const vendorDir = makeTempDir('examsite-vendors-');
  let server: TestServer;
  let browser: LaunchedBrowser;

  before(async function () {
    ensureWebBuilt();
    // The example plugin as shipped, and a broken one beside it.
    fs.cpSync(EXAMPLE, path.join(vendorDir, 'example-cert'), { recursive: true });
    fs.mkdirSync(path.join(vendorDir, 'broken-vendor'));
    fs.writeFileSync(path.join(vendorDir, 'broken-vendor', 'examsite-plugin.json'), JSON.stringify({ id: 'broken-vendor', main: 'server.js' }));
    server = await startTestServer({ plugins: [loadPlugin], config: { vendorPluginDir: vendorDir, centreKeys: [key.publicKey] } });
    const admin = new TestClient(server.url);
    await admin.login();
    expect((await admin.put('/api/settings', { siteCode: '11003', mode: 'mock' })).status).to.equal(200);
    const practical = { certificate: '示例证书', tasks: [{ code: 'T-01', title: '网页布局', minutes: 60 }, { code: 'T-02', title: '数据库设计', minutes: 90 }] };
    const pkg = await buildSitePackage(
      { siteCode: '11003', mode: 'mock', rooms: 1, candidatesPerRoom: 3, sessions: defaultSessions(1), releaseTime: '2026-12-20T09:00:00+08:00', seed: 5 },
      { keyId: key.keyId, publicKey: key.publicKey, privateKeyPem: key.privateKeyPem },
      { extraFiles: [{ name: 'vendor/example-cert/practical.json', bytes: Buffer.from(JSON.stringify(practical)), listed: true }] },
    );
    const imported = await admin.post('/api/load/import', pkg.bytes, { 'content-type': 'application/zip' });
    expect(imported.status, JSON.stringify(imported.body)).to.equal(200);
    browser = await launchBrowser();
  });

  after(async function () {
    if (browser) await browser.close();
    await server?.stop();
    fs.rmSync(vendorDir, { recursive: true, force: true });
  });

  it('renders the SFC panel with the shell’s Element Plus, filters on input, and shows the disabled plugin’s reason', async function () {
    const { page } = browser;
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });

    await openLoggedIn(page, `${server.url}/#/during`);

    const panel = page.locator('[data-test=example-cert-page]');
    await panel.waitFor({ timeout: 15_000 });
    const table = panel.locator('[data-test=example-cert-table]');
    await table.locator('text=网页布局').waitFor();
    // Element Plus rendered it (its own classes), from the shell's copy: no second Vue, no CSP refusal.
    expect(await table.getAttribute('class')).to.contain('el-table');
    const text = await table.innerText();
    for (const word of ['任务代码', '任务名称', '时长（分钟）', 'T-01', '数据库设计', '2026-12-20 09:00:00']) expect(text).to.contain(word);
    expect(await panel.locator('[data-test=example-cert-count]').innerText()).to.equal('共 2 项');

    // Interactive: typing filters the rows (v-model + computed of the SFC on the shell's Vue).
    await panel.getByPlaceholder('按任务代码或名称筛选').fill('T-02');
    await panel.locator('[data-test=example-cert-count]').getByText('共 1 项').waitFor();
    expect(await table.innerText()).to.not.contain('网页布局');
    expect(await table.innerText()).to.contain('数据库设计');

    // The broken plugin: disabled, its reason shown; the rest of the site works.
    const notice = page.locator('.vendor-disabled-notice');
    await notice.waitFor({ timeout: 15_000 });
    expect(await notice.innerText()).to.contain('扩展插件“broken-vendor”已停用');
    expect(await notice.innerText()).to.contain('厂商插件 broken-vendor 缺少文件 server.js');

    // The host modules came from the import map; nothing was refused by the CSP.
    const csp = problems.filter((p) => /Content Security Policy|Refused/.test(p));
    expect(csp, csp.join('\n')).to.deep.equal([]);
    // (The login page's session probe answers 401 before login; that is no problem.)
    const other = problems.filter((p) => !/status of 401/.test(p));
    expect(other, other.join('\n')).to.deep.equal([]);
  });
});
