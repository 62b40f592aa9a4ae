// Browser test of the 导入考务 panel (R2.2–R2.4): 载入 fails without a centre, the manual
// import dialog opens, a wrong package is refused in the dialog, the right one fills the
// table and footer, 查看 shows the room, 门贴座次表 打开 opens the printable seat chart.
// Needs the built web UI (dist/web, built by `npm test`, else built once by ensureWebBuilt) and /usr/bin/chromium.
import { expect } from 'chai';
import { TestClient } from '../../core/testing/http-client';
import { startTestServer, type TestServer } from '../../core/testing/test-server';
import { SITE, buildPackage, newCentreKey } from '../../plugins/load/test/load-fixtures';
import { plugin as loadPlugin } from '../../plugins/load/server/plugin';
import { ensureWebBuilt, launchBrowser, openLoggedIn, type LaunchedBrowser } from './browser';



describe('导入考务 panel (browser, R2.2–R2.4)', function () {
  this.timeout(180_000);

  // A whole site on a real port (the browser needs one); no centre configured: 载入 cannot download.
  const h = { key: newCentreKey(), server: null as unknown as TestServer, client: null as unknown as TestClient };
  let browser: LaunchedBrowser;

  before(async function () {
    ensureWebBuilt();
    h.server = await startTestServer({ plugins: [loadPlugin], config: { centreKeys: [h.key.publicKey] } });
    h.client = new TestClient(h.server.url);
    await h.client.login();
    expect((await h.client.put('/api/settings', { siteCode: SITE, mode: 'mock' })).status).to.equal(200);
    browser = await launchBrowser();
  });

  after(async function () {
    if (browser) await browser.close();
    await h.server?.stop();
  });

  it('imports a package through the dialog, shows the rows, opens a room and its seat chart', async function () {
    const { page, context } = browser;
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));

    await openLoggedIn(page, `${h.server.url}/#/before/1`);

    const panel = page.locator('[data-test=load-panel]');
    await panel.waitFor({ timeout: 15_000 });
    const header = await panel.locator('[data-test=load-table] thead').innerText();
    for (const col of ['考场代码', '场次数', '数据载入时间', '是否通过校验', '校验通过的时间', '查看详情', '门贴座次表']) expect(header).to.contain(col);

    // 载入 fails (no centre): the manual import dialog opens and says why.
    await panel.locator('[data-test=load-download]').click();
    const dialog = page.locator('.manual-import-dialog');
    await dialog.waitFor({ state: 'visible', timeout: 15_000 });
    expect(await dialog.innerText()).to.contain('考场数据包下载失败');

    // A package of another site is refused inside the dialog; nothing is loaded.
    const foreign = await buildPackage(h.key, { siteCode: '11004' });
    await dialog.locator('[data-test=package-file]').setInputFiles({ name: 'other.zip', mimeType: 'application/zip', buffer: foreign.bytes });
    await dialog.locator('[data-test=do-import]').click();
    await dialog.locator('[data-test=import-error]').getByText('数据包考点代码 11004 与本考点 11003 不一致').waitFor();
    expect(await panel.locator('[data-test=load-table] tbody tr').count()).to.equal(0);

    // The right package.
    const pkg = await buildPackage(h.key, { rooms: 3, candidatesPerRoom: 12 });
    await dialog.locator('[data-test=package-file]').setInputFiles({ name: 'pkg.zip', mimeType: 'application/zip', buffer: pkg.bytes });
    await dialog.locator('[data-test=do-import]').click();
    await dialog.waitFor({ state: 'hidden', timeout: 15_000 });

    const rows = panel.locator('[data-test=load-table] tbody tr');
    await rows.nth(2).waitFor({ timeout: 10_000 });
    expect(await rows.count()).to.equal(3);
    const first = await rows.nth(0).innerText();
    expect(first).to.contain('11003001');
    expect(first).to.match(/\b2\b/); // 场次数
    expect(first).to.match(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/); // 数据载入时间
    expect(first).to.contain('-'); // not confirmed by the centre yet
    const footer = await panel.locator('[data-test=load-footer]').innerText();
    expect(footer).to.match(/考场数据发布时间：\s*2026-12-01 \d{2}:00:00/);
    expect(footer).to.match(/手工导入时间：\s*\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/);

    // 查看: the room's sessions and candidates.
    const detail = (await h.client.get<{ candidates: { name: string; sessionNo: number }[] }>('/api/load/rooms/11003002')).body;
    await rows.nth(1).getByRole('button', { name: '查看' }).click();
    const detailDialog = page.locator('.room-detail-dialog');
    await detailDialog.waitFor({ state: 'visible' });
    await detailDialog.getByText(detail.candidates[0]!.name, { exact: true }).first().waitFor();
    expect(await detailDialog.innerText()).to.contain('第 2 场（12 人）');
    await detailDialog.locator('.el-dialog__headerbtn').click();
    await detailDialog.waitFor({ state: 'hidden' });

    // 门贴座次表 打开: a new printable page.
    const [sheet] = await Promise.all([context.waitForEvent('page'), rows.nth(1).getByRole('button', { name: '打开' }).click()]);
    await sheet.waitForLoadState('load');
    const sheetText = await sheet.locator('body').innerText();
    expect(sheetText).to.contain('11003002 考场');
    expect(sheetText).to.contain('座次表');
    for (const c of detail.candidates.filter((x) => x.sessionNo === 1)) expect(sheetText).to.contain(c.name);
    expect(await sheet.locator('section.page').count()).to.equal(3); // door sheet + one chart per session
    expect(await sheet.locator('table.grid td.seat').count()).to.equal(2 * 12);
    await sheet.emulateMedia({ media: 'print' });
    expect(await sheet.locator('.toolbar').isVisible()).to.equal(false);
    await sheet.close();

    expect(pageErrors).to.deep.equal([]);
  });

  it('when the site server itself cannot be reached, 载入 says so and does not open the manual import dialog (issue 10 point 8)', async function () {
    const { page } = browser;
    // Still logged in from the test before: a fresh load of the panel.
    await page.goto(`${h.server.url}/#/before/1`);
    const panel = page.locator('[data-test=load-panel]');
    await panel.waitFor({ timeout: 15_000 });
    // The browser's request never reaches the site (as with the server stopped or the cable out).
    await page.route('**/api/load/download', (route) => route.abort('connectionrefused'));
    try {
      await panel.locator('[data-test=load-download]').click();
      await panel.locator('[data-test=load-action-error]').getByText('无法连接考点管理系统服务').waitFor({ timeout: 15_000 });
      expect(await page.locator('.manual-import-dialog').isVisible()).to.equal(false);
    } finally {
      await page.unroute('**/api/load/download');
    }
  });
});
