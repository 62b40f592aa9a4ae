// Browser test of 系统管理 through its dialogs (issue 13 'done when', manual §3.4, §6.1–§6.3):
// 系统备份 (folder + note → the list shows it 已校验), 系统恢复 (the .bak, the confirmation, the UI
// back after the in-process restart, the backup's data), 系统初始化 (three confirmations, the
// site code typed, back to the settings dialog).
// Needs the built web UI (dist/web) and /usr/bin/chromium.
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { makeTempDir, type TestServer } from '../../core/testing/test-server';
import type { TestClient } from '../../core/testing/http-client';
import { skipInPostgresPass } from '../../core/testing/test-database';
import { formatChinaTime } from '../../core/time/china-time';
import { buildPackage, newCentreKey } from '../integration/registration/site-harness';
import { startSystemSite } from '../integration/system/system-harness';
import { ensureWebBuilt, launchBrowser, openLoggedIn, type LaunchedBrowser } from './browser';

const SITE = '11003';

async function roomCount(server: TestServer): Promise<number> {
  const rows = (await server.store.manager.query('SELECT COUNT(*) AS n FROM load_room')) as { n: number }[];
  return Number(rows[0]!.n);
}

async function openMoreMenuItem(page: Page, label: string): Promise<void> {
  await page.locator('[data-test=more]').click();
  await page.locator('.el-dropdown-menu__item', { hasText: label }).click();
}

/** Marks the page so that `backAfterRestart` can tell the reloaded page from this one. */
async function markPage(page: Page): Promise<void> {
  await page.evaluate(() => {
    (globalThis as { examsiteBeforeRestart?: boolean }).examsiteBeforeRestart = true;
  });
}

/** After the in-process restart the page reloads by itself; log in again when the login page shows. */
async function backAfterRestart(page: Page): Promise<void> {
  await page.waitForFunction(() => (globalThis as { examsiteBeforeRestart?: boolean }).examsiteBeforeRestart !== true, undefined, { timeout: 60_000 });
  const login = page.locator('[data-test=login] input[name=username]:not([disabled])');
  const shell = page.locator('[data-test=more]');
  await Promise.race([login.waitFor({ timeout: 60_000 }), shell.waitFor({ timeout: 60_000 })]);
  if (await login.isVisible()) {
    await page.fill('input[name=username]', 'admin');
    await page.fill('input[name=password]', '888');
    await page.click('[data-test=login] button:has-text("登录")');
  }
}

describe('系统备份 / 系统恢复 / 系统初始化 through the dialogs (browser, issue 13)', function () {
  this.timeout(180_000);
  const key = newCentreKey();
  const dirs: string[] = [];
  let site: { server: TestServer; admin: TestClient };
  let browser: LaunchedBrowser;
  let drive: string;
  let backupFile = '';

  before(async function () {
    skipInPostgresPass(this, '系统备份 needs the SQLite snapshot');
    ensureWebBuilt();
    const dataDir = makeTempDir('examsite-system-browser-');
    drive = makeTempDir('examsite-system-drive-');
    dirs.push(dataDir, drive);
    site = await startSystemSite({ key, dataDir });
    expect((await site.admin.put('/api/settings', { siteCode: SITE, mode: 'mock' })).status).to.equal(200);
    const pkg = await buildPackage(key, { siteCode: SITE, rooms: 3 });
    expect((await site.admin.post('/api/load/import', pkg.bytes, { 'content-type': 'application/zip' })).status).to.equal(200);
    browser = await launchBrowser();
  });
  after(async () => {
    if (browser) await browser.close();
    if (site) await site.server.stop().catch(() => undefined);
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('系统备份: a folder and a note → one .bak, listed with its note and 已校验', async () => {
    const { page } = browser;
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await openLoggedIn(page, site.server.url);
    await openMoreMenuItem(page, '系统备份');
    const dialog = page.locator('[data-test=backup-dialog]');
    await dialog.locator('input[name=backupFolder]').waitFor();

    // A folder that is not a full path: the reason in Chinese, no file written.
    await dialog.locator('input[name=backupFolder]').fill('usb');
    await dialog.locator('[data-test=do-backup]').click();
    await dialog.locator('[role=alert]', { hasText: '不是完整路径' }).waitFor();
    expect(fs.readdirSync(drive)).to.deep.equal([]);

    await dialog.locator('input[name=backupFolder]').fill(drive);
    await dialog.locator('input[name=backupNote]').fill('浏览器测试：封场前');
    await dialog.locator('[data-test=do-backup]').click();
    const row = dialog.locator('[data-test=backup-list] .el-table__row', { hasText: '浏览器测试：封场前' });
    await row.waitFor({ timeout: 60_000 });
    expect(await row.innerText()).to.contain('已校验');
    const names = fs.readdirSync(drive);
    expect(names, 'one .bak and no temporary file').to.have.length(1);
    expect(names[0]).to.match(/^考点备份_11003_\d{8}-\d{6}\.bak$/);
    backupFile = path.join(drive, names[0]!);
    await dialog.locator('.el-dialog__headerbtn').click();
    await dialog.waitFor({ state: 'hidden' });
    expect(pageErrors).to.deep.equal([]);
  });

  it('持续保护: a non-empty folder is refused in Chinese; an empty one is mirrored, its state and last time (China time) shown; 停用', async () => {
    const { page } = browser;
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await openMoreMenuItem(page, '系统备份');
    const dialog = page.locator('[data-test=backup-dialog]');
    const status = dialog.locator('[data-test=mirror-status]');
    await status.locator('text=状态：未启用').waitFor();
    // The backup drive holds the .bak already: not an empty folder.
    await dialog.locator('input[name=mirrorFolder]').fill(drive);
    await dialog.locator('[data-test=mirror-enable]').click();
    await dialog.locator('[role=alert]', { hasText: '请选择一个空文件夹' }).waitFor();
    await status.locator('text=状态：未启用').waitFor();

    const mirror = makeTempDir('examsite-system-mirror-');
    dirs.push(mirror);
    await dialog.locator('input[name=mirrorFolder]').fill(mirror);
    await dialog.locator('[data-test=mirror-enable]').click();
    await status.locator('text=状态：已同步').waitFor({ timeout: 20_000 });
    const shown = await status.innerText();
    const api = (await site.admin.get<{ lastMirroredAt: string; state: string }>('/api/system/mirror')).body;
    expect(shown).to.contain(`最近同步：${formatChinaTime(api.lastMirroredAt)}`);
    expect(shown).to.match(/延迟：\d+\.\d 秒/);
    expect(fs.readdirSync(mirror)).to.include('考点镜像.bak');

    await dialog.locator('[data-test=mirror-disable]').click();
    await status.locator('text=状态：未启用').waitFor();
    await dialog.locator('.el-dialog__headerbtn').click();
    await dialog.waitFor({ state: 'hidden' });
    expect(pageErrors).to.deep.equal([]);
  });

  it('系统恢复: the .bak and the confirmation → the UI comes back after the restart with the backup’s data', async () => {
    const { page } = browser;
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    // The data changes after the backup: 5 rooms instead of 3.
    const later = await buildPackage(key, { siteCode: SITE, rooms: 5, seed: 12, releaseTime: '2026-12-01T21:00:00+08:00' });
    const reimport = await site.admin.post('/api/load/import', later.bytes, { 'content-type': 'application/zip' });
    expect(reimport.status, JSON.stringify(reimport.body)).to.equal(200);
    expect(await roomCount(site.server)).to.equal(5);
    const restartsBefore = site.server.restarts;

    await openMoreMenuItem(page, '系统恢复');
    const dialog = page.locator('[data-test=restore-dialog]');
    // A file that is no backup: refused in Chinese, nothing changes.
    const notBak = path.join(drive, 'not-a-backup.bak');
    fs.writeFileSync(notBak, 'hello');
    await dialog.locator('input[name=restoreFile]').fill(notBak);
    await dialog.locator('[data-test=do-restore]').click();
    const box = page.locator('.el-message-box');
    await box.locator('button:has-text("系统恢复")').click();
    await dialog.locator('[role=alert]', { hasText: '不是考点管理系统的备份文件' }).waitFor();
    fs.rmSync(notBak);
    expect(await roomCount(site.server)).to.equal(5);
    expect(site.server.restarts).to.equal(restartsBefore);

    // 取消 at the confirmation: nothing happens.
    await dialog.locator('input[name=restoreFile]').fill(backupFile);
    await dialog.locator('[data-test=do-restore]').click();
    await box.waitFor();
    expect(await box.innerText()).to.contain('系统恢复将用备份中的数据替换本机的全部考点数据');
    await box.locator('button:has-text("取消")').click();
    await box.waitFor({ state: 'hidden' });
    expect(site.server.restarts).to.equal(restartsBefore);

    await markPage(page);
    await dialog.locator('[data-test=do-restore]').click();
    await box.locator('button:has-text("系统恢复")').click();
    await dialog.locator('[role=status]').waitFor();
    await backAfterRestart(page);
    await page.locator('[data-test=more]').waitFor({ timeout: 30_000 });
    expect(site.server.restarts).to.equal(restartsBefore + 1);
    expect(await roomCount(site.server), 'the backup’s 3 rooms').to.equal(3);
    expect(pageErrors).to.deep.equal([]);
  });

  it('系统初始化: three confirmations, the site code typed → the settings dialog, the data cleared', async () => {
    const { page } = browser;
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    const restartsBefore = site.server.restarts;
    await openMoreMenuItem(page, '系统初始化');
    const dialog = page.locator('[data-test=init-dialog]');
    await dialog.locator('[data-test=init-step-1]').waitFor();
    await dialog.locator('[data-test=init-next]').click();
    await dialog.locator('[data-test=init-step-2]').waitFor();
    expect(await dialog.innerText()).to.contain('初始化不会修改密码');
    await dialog.locator('[data-test=init-next]').click();
    await dialog.locator('[data-test=init-step-3]').waitFor();
    await dialog.locator(`text=请输入本考点代码 ${SITE}后点击`).waitFor({ timeout: 5_000 }).catch(async () => {
      expect.fail(`the last step asks for the site code; the dialog says: ${await dialog.innerText()}`);
    });

    // A wrong code: refused in the dialog, nothing cleared.
    await dialog.locator('input[name=initConfirmation]').fill('11004');
    await dialog.locator('[data-test=init-run]').click();
    await dialog.locator('[role=alert]', { hasText: `请输入本考点代码 ${SITE} 确认` }).waitFor();
    expect(await roomCount(site.server)).to.equal(3);
    expect(site.server.restarts).to.equal(restartsBefore);

    await dialog.locator('input[name=initConfirmation]').fill(SITE);
    await markPage(page);
    await dialog.locator('[data-test=init-run]').click();
    await backAfterRestart(page);
    // No site code any more: the UI opens the settings dialog, as on a first start.
    const settings = page.locator('.settings-dialog');
    await settings.waitFor({ state: 'visible', timeout: 30_000 });
    expect(await settings.locator('input[name=siteCode]').inputValue()).to.equal('');
    expect(site.server.restarts).to.equal(restartsBefore + 1);
    expect(await roomCount(site.server)).to.equal(0);
    expect(pageErrors).to.deep.equal([]);
  });
});
