// Browser test of 考后上报 (issue 12 point 7, R8.5, manual §5.2): 第二步 disabled until 第一步's
// verified backup, the backup's progress and what it covers, then the upload tool with its
// progress bar and the manual's message when a room has not handed in.
// Needs the built web UI (dist/web) and /usr/bin/chromium.
import { expect } from 'chai';
import { centrePaths } from '../../core/centre';
import { resultUploadId } from '../../plugins/collection/server/report/result-upload-step';
import { startReportSite, type ReportSite } from '../integration/collection/report-harness';
import { ensureWebBuilt, launchBrowser, type LaunchedBrowser } from './browser';

const MB = 1024 * 1024;

describe('考后上报 two steps (browser, issue 12 point 7)', function () {
  this.timeout(120_000);
  let site: ReportSite;
  let browser: LaunchedBrowser;

  before(async () => {
    ensureWebBuilt();
    site = await startReportSite();
    const rooms = await site.roomsOf(1);
    // Two of the session's three rooms handed in: the manual's "还有1个考场未回收文件!".
    site.results.add(rooms[0] as string, 1, 40 * MB);
    site.results.add(rooms[1] as string, 1, 40 * MB);
    browser = await launchBrowser();
  });
  after(async () => {
    if (browser) await browser.close();
    if (site) await site.stop();
  });

  it('第一步 backs up with progress, enables 第二步, and the upload tool reports with a progress bar', async () => {
    const { page } = browser;
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${site.server.url}/#/after`);
    await page.locator('[data-test=login] input[name=username]:not([disabled])').waitFor({ timeout: 15_000 });
    await page.fill('input[name=username]', 'admin');
    await page.fill('input[name=password]', '888');
    await page.click('[data-test=login] button:has-text("登录")');

    // 考后 holds 数据回收 and 考后上报 as tabs.
    await page.locator('.el-tabs__item', { hasText: '考后上报' }).click();
    await page.locator('[data-test=open-report]').click();
    const dialog = page.locator('[data-test=report-dialog]');
    await dialog.locator('text=根据考务要求，上报前，需先将当前考试结果数据备份到外部存储设备上').waitFor();
    await dialog.locator('[data-test=backup-summary] >> text=尚未备份').waitFor();
    expect(await dialog.locator('[data-test=step-2]').isDisabled()).to.equal(true);

    // A wrong folder: the reason in Chinese, nothing starts.
    await dialog.locator('input[data-test=backup-folder]').fill('usb');
    await dialog.locator('[data-test=step-1]').click();
    await page.locator('.el-message--error', { hasText: '不是完整路径' }).first().waitFor();
    expect(await dialog.locator('[data-test=step-2]').isDisabled()).to.equal(true);

    // Catch the progress bar even if the backup is quick.
    await page.evaluate(`
      window.seenBackupProgress = false;
      new MutationObserver(() => {
        if (document.querySelector('[data-test=backup-progress]')) window.seenBackupProgress = true;
      }).observe(document.body, { childList: true, subtree: true });
    `);
    await dialog.locator('input[data-test=backup-folder]').fill(site.drive);
    await dialog.locator('[data-test=step-1]').click();
    await dialog.locator('[data-test=backup-summary] >> text=备份已校验，包含当前全部 2 个结果包').waitFor({ timeout: 30_000 });
    expect(await page.evaluate('window.seenBackupProgress')).to.equal(true);
    await dialog.locator('[data-test=backup-summary] >> text=读回校验通过').waitFor();

    await dialog.locator('[data-test=step-2]:not([disabled])').click();
    const tool = page.locator('[data-test=upload-tool]');
    const row = tool.locator('[data-test=session-1]');
    await row.waitFor();
    const text = (await row.innerText()).replace(/\s+/g, ' ');
    for (const part of ['考场数: 3', '已回收: 2', '文件大小: 80M', '已上报: 0', '上报状态: 全部未上报']) expect(text).to.contain(part);

    // A slow centre, so the progress bar is there to see.
    site.centre.setFault({ mode: 'slow', delayMs: 1500 });
    await tool.locator('[data-test=report-1]:has-text("上报")').click();
    await tool.locator('[data-test=progress-1]').waitFor({ timeout: 15_000 });
    await tool.locator('[data-test=message-1] >> text=已回收文件上报完成，还有1个考场未回收文件!').waitFor({ timeout: 60_000 });
    site.centre.setFault({ mode: 'none' });
    expect(await row.locator('[data-test=reported]').innerText()).to.equal('2');
    expect(await row.locator('[data-test=status]').innerText()).to.equal('1个未上报');
    expect(site.centre.uploads().filter((u) => u.complete)).to.have.length(2);
    expect(pageErrors).to.deep.equal([]);
  });

  it('a package collected later asks for 第一步 again; 上报 stopped by a centre failure says so and 续报 finishes it', async () => {
    const { page } = browser;
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    const rooms = await site.roomsOf(1);
    const late = site.results.add(rooms[2] as string, 1, 8 * MB);
    await page.reload();
    await page.locator('.el-tabs__item', { hasText: '考后上报' }).click();
    await page.locator('[data-test=open-report]').click();
    const dialog = page.locator('[data-test=report-dialog]');
    await dialog.locator('[data-test=backup-summary]').waitFor();
    expect(await dialog.locator('[data-test=step-2]').isDisabled(), '第二步 while the backup misses the late package').to.equal(true);
    await dialog.locator('input[data-test=backup-folder]').fill(site.drive);
    await dialog.locator('[data-test=step-1]').click();
    await dialog.locator('[data-test=backup-summary] >> text=备份已校验，包含当前全部 3 个结果包').waitFor({ timeout: 30_000 });

    // The centre refuses this one file's upload: the tool says the upload stopped and offers 续报.
    site.centre.setFault({ mode: 'down', closeSockets: true, only: centrePaths.upload(resultUploadId('11003', 'mock', late)) });
    await dialog.locator('[data-test=step-2]:not([disabled])').click();
    const tool = page.locator('[data-test=upload-tool]');
    const row = tool.locator('[data-test=session-1]');
    // Two of three already acknowledged: the row offers 续报 from the start.
    await tool.locator('[data-test=report-1]:has-text("续报")').click();
    await tool.locator('[data-test=message-1]', { hasText: '上报中断' }).waitFor({ timeout: 60_000 });
    await tool.locator('[data-test=report-1]:has-text("续报")').waitFor();
    expect(await row.locator('[data-test=reported]').innerText()).to.equal('2');
    expect(site.centre.uploads().filter((u) => u.complete)).to.have.length(2);

    site.centre.setFault({ mode: 'none' });
    await tool.locator('[data-test=report-1]:has-text("续报")').click();
    await row.locator('[data-test=status] >> text=全部已上报').waitFor({ timeout: 60_000 });
    expect(await row.locator('[data-test=reported]').innerText()).to.equal('3');
    expect(await tool.locator('[data-test=report-1]').count(), 'no button once everything is acknowledged').to.equal(0);
    expect(site.centre.uploads().filter((u) => u.complete).map((u) => u.sha256).sort()).to.deep.equal(site.results.packages.map((p) => p.sha256).sort());
    expect(pageErrors).to.deep.equal([]);
  });
});
