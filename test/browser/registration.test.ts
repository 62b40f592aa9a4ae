// Browser test of the 考场注册 panel (R3.2, R3.3): a proctor registers while the page is open
// and the table updates by itself; revoke with confirmation; 查看考场; 导出考点信息.
// Needs the built web UI (dist/web, built by `npm test`, else built once by ensureWebBuilt) and /usr/bin/chromium.
import { expect } from 'chai';
import fs from 'node:fs';
import { makeTempDir } from '../../core/testing/test-server';
import { startSite, type RunningSite } from '../integration/registration/site-harness';
import { ProctorApiError, ProctorClient } from '../sim/proctor/proctor-client';
import { ensureWebBuilt, launchBrowser, openLoggedIn, type LaunchedBrowser } from './browser';



describe('考场注册 panel (browser, R3.2, R3.3)', function () {
  this.timeout(180_000);

  let site: RunningSite;
  let browser: LaunchedBrowser;
  let exportDir: string;

  before(async function () {
    ensureWebBuilt();
    site = await startSite();
    browser = await launchBrowser();
    exportDir = makeTempDir('examsite-browser-export-');
  });

  after(async function () {
    if (browser) await browser.close();
    if (site) await site.stop();
    if (exportDir) fs.rmSync(exportDir, { recursive: true, force: true });
  });

  it('shows the table, updates live when a proctor registers, revokes after confirmation, shows a room and exports', async function () {
    const { page } = browser;
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));

    await openLoggedIn(page, `${site.url}/#/before/2`);

    const panel = page.locator('[data-test=registration-panel]');
    await panel.waitFor({ timeout: 15_000 });
    const counts = panel.locator('[data-test=registration-counts]');
    await counts.locator('text=已注册考场0个,未注册考场3个').waitFor();
    const header = await panel.locator('[data-test=registration-table] thead').innerText();
    for (const col of ['考场代码', '注册码', '注册IP', '封场检测', '备注', '操作']) expect(header).to.contain(col);
    const codes = await site.codes();
    const bodyText = await panel.locator('[data-test=registration-table] tbody').innerText();
    for (const [room, code] of codes) {
      expect(bodyText).to.contain(room);
      expect(bodyText).to.contain(code);
    }
    // Issue 15 point 4: the https address with its fingerprint, the plain one marked 未加密.
    const addresses = await panel.locator('[data-test=site-addresses]').innerText();
    expect(addresses).to.match(/监考机连接地址（加密）：https:\/\/\S+:\d+/);
    expect(addresses).to.match(/证书指纹（SHA-256）：([0-9A-F]{2}:){31}[0-9A-F]{2}/);
    expect(addresses).to.match(/未加密\s*http:\/\/\S+:\d+\s*仅供不支持 TLS 的监考软件使用/);

    // Wait until the live stream is connected, then a proctor registers over the LAN.
    await page.locator('[data-test=status-bar] >> text=通讯: 运行').waitFor({ timeout: 15_000 });
    const proctor = new ProctorClient(site.url);
    await proctor.register({ roomCode: '11003001', registrationCode: codes.get('11003001')!, machineId: 'pc-browser' });
    await counts.locator('text=已注册考场1个,未注册考场2个').waitFor({ timeout: 5_000 });
    const row1 = panel.locator('[data-test=registration-table] tbody tr', { hasText: '11003001' });
    await row1.locator('text=127.0.0.1').waitFor();
    expect(await row1.innerText()).to.contain('pc-browser');

    // 查看考场
    await row1.locator('button:has-text("查看考场")').click();
    const viewDialog = page.locator('.room-view-dialog');
    await viewDialog.locator('text=考生（').waitFor();
    expect(await viewDialog.innerText()).to.contain('pc-browser');
    await viewDialog.locator('.el-dialog__headerbtn').click();
    await viewDialog.waitFor({ state: 'hidden' });

    // 撤销注册: cancel first (nothing happens), then confirm.
    await row1.locator('button:has-text("撤销注册")').click();
    const box = page.locator('.el-message-box');
    await box.waitFor();
    expect(await box.innerText()).to.contain('确定撤销考场 11003001 的注册吗');
    await box.locator('button:has-text("取消")').click();
    await box.waitFor({ state: 'hidden' });
    expect((await proctor.whoami()).roomCode).to.equal('11003001');

    await row1.locator('button:has-text("撤销注册")').click();
    await box.waitFor();
    await box.locator('button:has-text("撤销注册")').click();
    await counts.locator('text=已注册考场0个,未注册考场3个').waitFor({ timeout: 5_000 });
    try {
      await proctor.whoami();
      expect.fail('the revoked credential must fail');
    } catch (e) {
      expect((e as ProctorApiError).status).to.equal(401);
      expect((e as ProctorApiError).message).to.equal('本机注册已被考点撤销，请重新注册');
    }

    // 导出考点信息 to a folder on the site PC.
    await panel.locator('button:has-text("导出考点信息")').click();
    const exportDialog = page.locator('.export-dialog');
    await exportDialog.waitFor();
    await exportDialog.locator('input[name=exportFolder]').fill('relative/folder');
    await exportDialog.locator('button:has-text("确定")').click();
    // The refusal is shown inside the dialog, where the folder was typed.
    await exportDialog.locator('[data-test=export-error]', { hasText: '不是完整路径' }).waitFor();
    await exportDialog.locator('input[name=exportFolder]').fill(exportDir);
    await exportDialog.locator('button:has-text("确定")').click();
    await exportDialog.locator('[data-test=export-result]').waitFor();
    expect(fs.readdirSync(exportDir).sort()).to.deep.equal(['KDINFO', '考点信息_11003.html']);

    expect(pageErrors).to.deep.equal([]);
  });
});
