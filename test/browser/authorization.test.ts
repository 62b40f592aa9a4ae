// Browser test of the 考试授权 (step 3) and 授权验证 (step 5) panels (R4.1–R4.3, R6.1, R6.2):
// online authorization and the manual .PTQ dialog when the centre is down; 机考锁校时 with the
// warning before a near session; verification online and by file, on the dongle's clock.
// Needs the built web UI (dist/web, built by `npm test`, else built once by ensureWebBuilt) and /usr/bin/chromium.
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { issueAuthorization, issueVerification } from '../sim/centre/authorization-issuer';
import { HOUR, startAuthorizationSite, type AuthorizationSite } from '../integration/authorization/authorization-harness';
import { ensureWebBuilt, launchBrowser, openLoggedIn, type LaunchedBrowser } from './browser';



describe('考试授权 and 授权验证 panels (browser, R4, R6.1, R6.2)', function () {
  this.timeout(180_000);

  let site: AuthorizationSite;
  let browser: LaunchedBrowser;
  let fileDir: string;

  before(async function () {
    ensureWebBuilt();
    // Warn from 4 h before a session: session 1 starts in 3 h, so the warning is due.
    site = await startAuthorizationSite({ config: { calibrationWarnLeadMinutes: 240 } });
    browser = await launchBrowser();
    fileDir = fs.mkdtempSync(path.join(site.simDir, 'files-'));
  });

  after(async function () {
    if (browser) await browser.close();
    if (site) await site.stop();
  });

  it('step 3: the centre is down → manual .PTQ import per session (refusal shown, then √); online 考试授权 → 考试授权成功', async function () {
    const { page } = browser;
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));

    await openLoggedIn(page, `${site.server.url}/#/before/3`);

    const panel = page.locator('[data-test=authorization-panel]');
    await panel.waitFor({ timeout: 15_000 });
    const tableEl = panel.locator('[data-test=authorization-table]');
    const header = await tableEl.locator('thead').innerText();
    for (const col of ['场次', '场次名称', '开考时间', '考试时长', '考试授权状态', '授权验证状态']) expect(header).to.contain(col);
    const row1 = tableEl.locator('tbody tr', { hasText: '第一场次' });
    await row1.waitFor();
    expect((await row1.innerText()).replace(/\s+/g, ' ')).to.match(/1 第一场次 \d{4}-\d{2}-\d{2} \d{2}:\d{2}:00 120 - -/);

    site.sim.setFault({ mode: 'down' });
    await panel.locator('[data-test=authorize-button]').click();
    const dialog = page.locator('.ptq-import-dialog');
    await dialog.waitFor();
    await dialog.locator('[data-test=ptq-row-1] >> text=下载失败').waitFor();
    await panel.locator('[data-test=authorization-outcome] >> text=2 个场次的考试授权下载失败').waitFor();

    // Session 2's file in session 1's row: refused with the reason, nothing changes.
    const ptq2 = path.join(fileDir, '2.PTQ');
    fs.writeFileSync(ptq2, issueAuthorization(site.issueContext(2)));
    await dialog.locator('[data-test=ptq-file-1]').setInputFiles(ptq2);
    await dialog.locator('[data-test=ptq-import-1]').click();
    await dialog.locator('[data-test=ptq-error-1] >> text=所选文件是第 2 场次的考试授权，不是第 1 场次的').waitFor();

    const ptq1 = path.join(fileDir, '1.PTQ');
    fs.writeFileSync(ptq1, issueAuthorization(site.issueContext(1)));
    await dialog.locator('[data-test=ptq-file-1]').setInputFiles(ptq1);
    await dialog.locator('[data-test=ptq-import-1]').click();
    await page.locator('.el-message--success', { hasText: '考试授权成功' }).first().waitFor();
    await dialog.locator('button:has-text("关闭")').click();
    await dialog.waitFor({ state: 'hidden' });
    await row1.locator('text=√').waitFor();
    const row2 = tableEl.locator('tbody tr', { hasText: '第二场次' });
    expect((await row2.innerText()).replace(/\s+/g, ' ')).to.match(/90 - -$/);

    // The centre is back: 考试授权 downloads what is missing.
    site.sim.setFault({ mode: 'none' });
    await panel.locator('[data-test=authorize-button]').click();
    await panel.locator('[data-test=authorization-outcome] >> text=考试授权成功').waitFor();
    await row2.locator('text=√').waitFor();
    expect(pageErrors).to.deep.equal([]);
  });

  it('step 5: calibration warning, online calibration, verification refused before the window and passed inside it (online and by file)', async function () {
    const { page } = browser;
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));

    await page.locator('.step-bar .step', { hasText: '授权验证' }).click();
    const panel = page.locator('[data-test=verification-panel]');
    await panel.waitFor({ timeout: 15_000 });

    const box = panel.locator('[data-test=calibration-box]');
    await box.locator('[data-test=calibration-warning] >> text=机考锁时钟尚未校时').waitFor();
    expect(await box.locator('[data-test=calibration-warning]').innerText()).to.contain('第 1 场次（第一场次）开考时间为');
    expect(await box.locator('[data-test=last-calibration]').innerText()).to.contain('从未校时');

    // 机考锁注册 (idempotent for the same keys and site), then 在线校时 through the centre's signed time token.
    await box.locator('[data-test=register-dongle]').click();
    await page.locator('.el-message--success', { hasText: '注册成功' }).waitFor();
    await box.locator('[data-test=calibrate-online]').click();
    await page.locator('.el-message--success', { hasText: '机考锁校时成功' }).waitFor();
    await box.locator('[data-test=calibration-warning]').waitFor({ state: 'detached' });
    expect(await box.locator('[data-test=last-calibration]').innerText()).to.contain('在线校时');
    expect(await box.locator('[data-test=clock-drift]').innerText()).to.contain('电脑时钟与可信时间一致');

    // Session 1 is preselected; the dongle says 3 h before the start: too early.
    await panel.locator('[data-test=selected-session]').waitFor();
    await panel.locator('[data-test=verify-button]').click();
    await panel.locator('[data-test=verification-outcome] >> text=最早可在').waitFor();
    expect(await page.locator('.verification-import-dialog').isVisible()).to.equal(false);

    // The dongle's clock (not the PC's) moves to 30 minutes before the start.
    site.advanceDongleClock(2.5 * HOUR);
    await panel.locator('[data-test=verify-button]').click();
    await panel.locator('[data-test=verification-outcome] >> text=授权验证成功').waitFor();
    const vtable = panel.locator('[data-test=verification-table]');
    // The table follows the live topic (a re-fetch after the push), not the button's answer.
    await vtable.locator('tbody tr', { hasText: '第一场次' }).locator('text=√ >> nth=1').waitFor();
    expect((await vtable.locator('tbody tr', { hasText: '第一场次' }).innerText()).replace(/\s+/g, ' ')).to.match(/√ √$/);

    // Session 2 with the centre down: the verification file dialog.
    site.advanceDongleClock(24 * HOUR);
    site.sim.setFault({ mode: 'down' });
    await panel.locator('[data-test=session-select]').click();
    await page.locator('.el-select-dropdown__item', { hasText: '第 2 场次' }).click();
    await panel.locator('[data-test=verify-button]').click();
    const dialog = page.locator('.verification-import-dialog');
    await dialog.waitFor();
    const file = path.join(fileDir, '2.verify.json');
    fs.writeFileSync(file, issueVerification({ ...site.issueContext(2), now: new Date().toISOString() }));
    await dialog.locator('[data-test=verification-file]').setInputFiles(file);
    await dialog.locator('[data-test=verification-import]').click();
    await dialog.waitFor({ state: 'hidden' });
    await panel.locator('[data-test=verification-outcome] >> text=授权验证成功').waitFor();
    await vtable.locator('tbody tr', { hasText: '第二场次' }).locator('text=√ >> nth=1').waitFor();
    site.sim.setFault({ mode: 'none' });
    expect(pageErrors).to.deep.equal([]);
  });
});
