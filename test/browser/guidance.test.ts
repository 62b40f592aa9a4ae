// Browser test of issue 10 point 8 (guidance): 考试授权 before 机考锁注册 names the step to do
// first and offers a button that goes there, instead of opening the manual .PTQ dialog as if
// the network had failed; after 机考锁注册 there, 考试授权 succeeds.
// Needs the built web UI (dist/web) and /usr/bin/chromium.
import { expect } from 'chai';
import { startAuthorizationSite, type AuthorizationSite, type SiteOptions } from '../integration/authorization/authorization-harness';
import { repeatedSentences } from '../guidance/repeated-sentences';
import { ensureWebBuilt, launchBrowser, openLoggedIn, type LaunchedBrowser } from './browser';

/** A site of load + registration + authorization and a browser at 1024×768, for one suite. */
function siteInBrowser(options: SiteOptions = {}): () => { site: AuthorizationSite; browser: LaunchedBrowser } {
  let site: AuthorizationSite | undefined;
  let browser: LaunchedBrowser | undefined;
  before(async function () {
    ensureWebBuilt();
    site = await startAuthorizationSite(options);
    browser = await launchBrowser({ viewport: { width: 1024, height: 768 } });
  });
  after(async function () {
    if (browser) await browser.close();
    if (site) await site.stop();
  });
  return () => {
    if (!site || !browser) throw new Error('the suite did not start');
    return { site, browser };
  };
}

describe('a "请先…" message names the step and goes there (browser, issue 10 point 8)', function () {
  this.timeout(180_000);
  const fixture = siteInBrowser({ registerDongle: false });

  it('考试授权 before 机考锁注册: 请先完成第 5 步… with 前往, no .PTQ dialog; after 机考锁注册 考试授权成功', async function () {
    const { site, browser: { page } } = fixture();
    await openLoggedIn(page, `${site.server.url}/#/before/3`);
    const panel = page.locator('[data-test=authorization-panel]');
    await panel.locator('[data-test=authorization-table] tbody tr').first().waitFor({ timeout: 15_000 });
    await panel.locator('[data-test=authorize-button]').click();
    const outcome = panel.locator('[data-test=authorization-outcome]');
    await outcome.filter({ hasText: '机考锁' }).waitFor();
    const text = await outcome.innerText();
    expect(text).to.contain('请先完成第 5 步“授权验证”中的“机考锁注册”');
    // Said once, not once per session.
    expect(text.split('请先').length - 1).to.equal(1);
    expect(repeatedSentences(text)).to.deep.equal([]);
    await page.waitForTimeout(300);
    expect(await page.locator('.ptq-import-dialog').isVisible()).to.equal(false);

    await panel.locator('[data-test=go-to-step]', { hasText: '前往第 5 步“授权验证”' }).click();
    const box = page.locator('[data-test=verification-panel] [data-test=calibration-box]');
    await box.waitFor({ timeout: 15_000 });
    expect(await page.evaluate<string>('location.hash')).to.equal('#/before/5');
    await box.locator('[data-test=register-dongle]').click();
    await page.locator('.el-message--success', { hasText: '注册成功' }).waitFor();

    await page.locator('.step-bar .step', { hasText: '考试授权' }).click();
    await page.locator('[data-test=authorization-panel] [data-test=authorize-button]').click();
    await page.locator('[data-test=authorization-panel] [data-test=authorization-outcome]', { hasText: '考试授权成功' }).waitFor();
  });
});

describe('the step bar marks done steps and the next one, live (browser, issue 10 point 8)', function () {
  this.timeout(180_000);
  const fixture = siteInBrowser({ loadData: false });

  it('nothing done: 第 1 步 is next; after 载入 it turns √ and 第 2 步 is next, without reloading the page', async function () {
    const { site, browser: { page } } = fixture();
    await openLoggedIn(page, `${site.server.url}/#/before/3`);
    const step = (n: number) => page.locator(`.step-bar .step[data-step="${n}"]`);
    await step(1).and(page.locator('[data-next=true]')).waitFor({ timeout: 15_000 });
    expect(await step(1).innerText()).to.contain('下一步');
    expect(await page.locator('.step-bar [data-done=true]').count()).to.equal(0);

    // Loaded from elsewhere (the API): the open page follows through the live topic.
    const loaded = await site.admin.post('/api/load/download');
    expect(loaded.status).to.equal(200);
    await step(1).and(page.locator('[data-done=true]')).waitFor({ timeout: 10_000 });
    expect((await step(1).locator('.num').innerText()).trim()).to.equal('√');
    await step(2).and(page.locator('[data-next=true]')).waitFor({ timeout: 10_000 });
    expect(await step(1).getAttribute('data-next')).to.equal(null);
    expect(await page.locator('.step-bar [data-next=true]').count()).to.equal(1);
  });
});

describe('授权验证 refusals lead to the step to do first (browser, issue 10 point 8)', function () {
  this.timeout(180_000);
  const fixture = siteInBrowser();

  it('SESSION_NOT_AUTHORIZED → 前往第 3 步; CLOCK_UNCALIBRATED → 前往 the 机考锁校时 box, marked', async function () {
    const { site, browser: { page } } = fixture();
    await openLoggedIn(page, `${site.server.url}/#/before/5`);
    const panel = page.locator('[data-test=verification-panel]');
    const outcome = panel.locator('[data-test=verification-outcome]');
    await panel.locator('[data-test=selected-session]').waitFor({ timeout: 15_000 });
    await panel.locator('[data-test=verify-button]').click();
    await outcome.filter({ hasText: '尚未完成考试授权' }).waitFor();
    expect(await outcome.innerText()).to.contain('请先完成第 3 步“考试授权”');
    await outcome.locator('[data-test=go-to-step]', { hasText: '前往第 3 步“考试授权”' }).click();
    await page.locator('[data-test=authorization-panel]').waitFor();
    expect(await page.evaluate<string>('location.hash')).to.equal('#/before/3');

    const authorized = await site.admin.post('/api/authorization/download');
    expect(authorized.status).to.equal(200);
    await page.locator('.step-bar .step[data-step="5"]').click();
    await panel.locator('[data-test=selected-session]').waitFor();
    await panel.locator('[data-test=verify-button]').click();
    await outcome.filter({ hasText: '机考锁时钟尚未校时' }).waitFor();
    expect(await outcome.innerText()).to.contain('请先在第 5 步“授权验证”的“机考锁校时”框中完成校时');
    expect(repeatedSentences(await outcome.innerText())).to.deep.equal([]);
    await outcome.locator('[data-test=go-to-step]', { hasText: '前往第 5 步“授权验证”的“机考锁校时”' }).click();
    await page.locator('[data-test=calibration-box].go-to-mark').waitFor({ timeout: 5_000 });
  });

  it('考场注册 without exam data: the notice offers 前往第 1 步“导入考务”', async function () {
    const { browser: { page } } = fixture();
    // 系统初始化 is not loaded here: a fresh site without data shows the notice.
    const fresh = await startAuthorizationSite({ loadData: false });
    try {
      await openLoggedIn(page, `${fresh.server.url}/#/before/2`);
      const notice = page.locator('[data-test=panel-notice]', { hasText: '尚未载入考务数据' });
      await notice.waitFor({ timeout: 15_000 });
      expect(await notice.innerText()).to.contain('请先在第 1 步“导入考务”中载入考场数据包');
      await notice.locator('[data-test=go-to-step]', { hasText: '前往第 1 步“导入考务”' }).click();
      await page.waitForFunction('location.hash === "#/before/1"');
    } finally {
      await fresh.stop();
    }
  });
});

describe('an offline 校验 after 校验通过 √ (browser, issue 10 point 8)', function () {
  this.timeout(180_000);
  const fixture = siteInBrowser();

  it('says the earlier pass stands, never 校验失败 beside 校验通过 √', async function () {
    const { site, browser: { page } } = fixture();
    await openLoggedIn(page, `${site.server.url}/#/before/1`);
    const footer = page.locator('[data-test=load-footer]');
    await footer.filter({ hasText: '校验通过 √' }).waitFor({ timeout: 15_000 });
    site.sim.setFault({ mode: 'down' });
    await footer.getByRole('button', { name: '校验' }).click();
    const notice = page.locator('[data-test=load-action-error]');
    await notice.waitFor();
    const text = await notice.innerText();
    expect(text).to.contain('暂时未能重新校验');
    expect(text).to.contain('结果仍然有效');
    expect(await notice.getAttribute('class')).to.contain('el-alert--info');
    expect(await page.locator('[data-test=load-panel]').innerText()).to.not.contain('校验失败');
    expect(await footer.innerText()).to.contain('校验通过 √');
  });
});
