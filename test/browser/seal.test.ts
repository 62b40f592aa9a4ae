// Browser test of issue 11 point 2 (R5.4, manual §3.4): the 系统备份 button on the 封场检测 panel
// opens the system stage's real 系统备份 dialog (offered through the shell's shared dialogs, not
// imported by the seal panel); a backup made from there is written and listed 已校验.
// Needs the built web UI (dist/web) and /usr/bin/chromium.
import fs from 'node:fs';
import { expect } from 'chai';
import { makeTempDir, type TestServer } from '../../core/testing/test-server';
import { skipInPostgresPass } from '../../core/testing/test-database';
import { plugin as sealPlugin } from '../../plugins/seal/server/plugin';
import { buildPackage, newCentreKey } from '../integration/registration/site-harness';
import { startSystemSite } from '../integration/system/system-harness';
import { ensureWebBuilt, launchBrowser, openLoggedIn, type LaunchedBrowser } from './browser';

describe('系统备份 on the 封场检测 panel (browser, issue 11 point 2)', function () {
  this.timeout(120_000);
  const key = newCentreKey();
  const dirs: string[] = [];
  let server: TestServer | undefined;
  let browser: LaunchedBrowser | undefined;

  before(function () {
    skipInPostgresPass(this, '系统备份 needs the SQLite snapshot');
  });
  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop().catch(() => undefined);
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('the panel’s 系统备份 opens the backup dialog; the backup made there is listed 已校验', async () => {
    ensureWebBuilt();
    const dataDir = makeTempDir('examsite-seal-browser-');
    const drive = makeTempDir('examsite-seal-drive-');
    dirs.push(dataDir, drive);
    const site = await startSystemSite({ key, dataDir, extraPlugins: [sealPlugin] });
    server = site.server;
    expect((await site.admin.put('/api/settings', { siteCode: '11004', mode: 'mock' })).status).to.equal(200);
    const pkg = await buildPackage(key, { siteCode: '11004', rooms: 2 });
    expect((await site.admin.post('/api/load/import', pkg.bytes, { 'content-type': 'application/zip' })).status).to.equal(200);

    browser = await launchBrowser();
    const { page } = browser;
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await openLoggedIn(page, `${server.url}/#/before/4`);
    const panel = page.locator('[data-test=seal-panel]');
    await panel.waitFor({ timeout: 15_000 });

    const button = panel.locator('button[data-test=seal-backup]');
    await button.waitFor();
    expect(await button.isEnabled(), '系统备份 is enabled on the 封场检测 panel').to.equal(true);
    await button.click();
    const dialog = page.locator('[data-test=backup-dialog]');
    await dialog.locator('input[name=backupFolder]').waitFor({ timeout: 10_000 });
    await dialog.locator('input[name=backupFolder]').fill(drive);
    await dialog.locator('input[name=backupNote]').fill('封场检测后备份');
    await dialog.locator('[data-test=do-backup]').click();
    const row = dialog.locator('[data-test=backup-list] .el-table__row', { hasText: '封场检测后备份' });
    await row.waitFor({ timeout: 60_000 });
    expect(await row.innerText()).to.contain('已校验');
    const names = fs.readdirSync(drive);
    expect(names, 'one .bak and no temporary file').to.have.length(1);
    expect(names[0]).to.match(/^考点备份_11004_\d{8}-\d{6}\.bak$/);

    // Closed and opened again from the panel: the same dialog, still usable.
    await dialog.locator('.el-dialog__headerbtn').click();
    await dialog.waitFor({ state: 'hidden' });
    await button.click();
    await dialog.locator('input[name=backupFolder]').waitFor({ state: 'visible', timeout: 10_000 });
    expect(pageErrors).to.deep.equal([]);
  });
});
