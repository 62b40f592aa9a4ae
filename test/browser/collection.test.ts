// Browser test of 考后 数据回收 (issue 12 points 5, 6, 8; R8.2, R8.3; manual §5.1): the manual's
// columns and 人数统计, a proctor's upload changing the open table without a reload, 考场情况
// 查看, 回收 of several files with a result per file, and 对账 reachable from the panel.
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { uploadResultOverHttp } from '../sim/proctor/result-upload';
import { ROOM1, ROOM2, startCollectionSite, type CollectionSite } from '../integration/collection/collection-harness';
import { ensureWebBuilt, launchBrowser, openLoggedIn, type LaunchedBrowser } from './browser';

describe('数据回收 page (browser, issue 12 point 6)', function () {
  this.timeout(180_000);
  let site: CollectionSite;
  let browser: LaunchedBrowser;

  before(async () => {
    ensureWebBuilt();
    site = await startCollectionSite();
    browser = await launchBrowser();
  });
  after(async () => {
    if (browser) await browser.close();
    if (site) await site.stop();
  });

  it('updates the open table when a proctor uploads, shows the room, imports files one result each, and opens 对账', async () => {
    const { page } = browser;
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    const proctor = await site.proctor(ROOM1);
    const room = await proctor.room();
    const absentTicket = room.candidates.find((c) => c.sessionNo === 1)!.ticketNo;
    const pkg = await site.writePackage(proctor, 1, { absent: [absentTicket] });
    const subjects = pkg.manifest.subjects;

    await openLoggedIn(page, `${site.site.url}/#/after`);
    const table = page.locator('[data-test=collection-table]');
    await table.waitFor({ timeout: 15_000 });
    const header = (await table.locator('thead').innerText()).replace(/\s+/g, ' ');
    for (const col of ['考场编号', '场次', '考生人数 (科目1', '参考人数', '缺考人数', '回收人数', '未回收人数', '考场情况', '上报情况']) expect(header).to.contain(col);
    expect(await table.locator('.el-table__footer').innerText()).to.contain('人数统计');
    const cell = (what: string, roomCode = ROOM1): ReturnType<typeof page.locator> => page.locator(`[data-test=${what}-${roomCode}-1]`);
    await cell('report').filter({ hasText: '无数据' }).waitFor();
    expect(await cell('collected').innerText()).to.equal(subjects.map(() => 0).join('/'));
    // The live stream is connected before the proctor uploads.
    await page.locator('[data-test=status-bar] >> text=通讯: 运行').waitFor({ timeout: 15_000 });
    await page.evaluate('window.notReloaded = true');

    const sent = Date.now();
    await uploadResultOverHttp(proctor, 1, pkg.file, { sha256: pkg.sha256 });
    const collected = subjects.map((s) => s.submitted.length).join('/');
    await cell('collected').filter({ hasText: collected }).waitFor({ timeout: 2000 });
    expect(Date.now() - sent, 'upload to page').to.be.below(5000);
    expect(await page.evaluate('window.notReloaded')).to.equal(true);
    expect(await cell('absent').innerText()).to.equal(subjects.map((s) => s.absent.length).join('/'));
    expect(await cell('uncollected').innerText()).to.equal(subjects.map(() => 0).join('/'));
    expect(await cell('report').innerText()).to.match(/待上报|上报成功/);
    expect(await table.locator('.el-table__footer').innerText()).to.contain(collected);

    // 考场情况 查看: the absent candidate and a collected one.
    await page.locator(`[data-test=view-${ROOM1}-1]`).click();
    const candidates = page.locator('[data-test=room-candidates]');
    await candidates.waitFor();
    const code = subjects[0]!.subjectCode;
    await candidates.locator(`[data-test=candidate-${absentTicket}-${code}][data-state=absent]`).waitFor();
    expect(await candidates.locator(`[data-test=candidate-${absentTicket}-${code}]`).innerText()).to.equal('缺考');
    const present = subjects[0]!.submitted[0]!;
    expect(await candidates.locator(`[data-test=candidate-${present}-${code}]`).innerText()).to.equal('参考 · 已回收');
    await page.keyboard.press('Escape');
    await candidates.waitFor({ state: 'hidden' });

    // 回收: two files at once, one a valid package of room 2, one not a package: a line each.
    const p2 = await site.writePackage(await site.proctor(ROOM2), 1, { name: '考场2.zip' });
    const junk = path.join(site.site.server.dataDir, 'proctor-out', '坏文件.zip');
    fs.writeFileSync(junk, 'not a zip');
    await page.locator('[data-test=open-collection-import]').click();
    await page.locator('[data-test=collection-files]').setInputFiles([p2.file, junk]);
    await page.locator('.collection-import-dialog .file-name', { hasText: '已选择 2 个文件' }).waitFor();
    await page.locator('[data-test=do-collection-import]').click();
    const results = page.locator('[data-test=collection-import-results]');
    await results.locator('li').nth(1).waitFor({ timeout: 15_000 });
    expect(await results.locator('[data-test=import-ok]').innerText()).to.contain(`考场 ${ROOM2} 第 1 场：回收成功`);
    expect(await results.locator('[data-test=import-refused]').innerText()).to.contain('文件“坏文件.zip”无法读取');
    await cell('collected', ROOM2).filter({ hasText: p2.manifest.subjects.map((s) => s.submitted.length).join('/') }).waitFor({ timeout: 2000 });
    await page.locator('.collection-import-dialog button:has-text("关闭")').click();

    // 对账 from the panel, with its export.
    await page.locator('[data-test=open-reconciliation]').click();
    const counts = page.locator('[data-test=reconciliation-counts]');
    await counts.locator('[data-test=count-absent]', { hasText: `缺考 ${subjects.filter((s) => s.absent.includes(absentTicket)).length}` }).waitFor({ timeout: 10_000 });
    expect(await page.locator('[data-test=reconciliation-export]').getAttribute('href')).to.equal('/api/collection/reconciliation.csv');
    expect(pageErrors).to.deep.equal([]);
  });
});
