// Browser test of the 考中 考场监控 page (R7.1, R7.2): a simulated proctor changes its counts
// while the page is open and the row shows them within one second, without a reload.
import { expect } from 'chai';
import { acknowledgeNotice, reportIncident, sendHeartbeat, type HeartbeatRequest } from '../sim/proctor/monitor-calls';
import { startMonitorSite, type MonitorSite } from '../integration/monitor/monitor-site';
import { ensureWebBuilt, launchBrowser, type LaunchedBrowser } from './browser';

const ROOM = '11003001';
const ROOM2 = '11003002';

describe('考场监控 page (browser, R7.1, R7.2)', function () {
  this.timeout(180_000);
  let site: MonitorSite;
  let browser: LaunchedBrowser;

  before(async function () {
    ensureWebBuilt();
    site = await startMonitorSite();
    browser = await launchBrowser();
  });

  after(async function () {
    if (browser) await browser.close();
    if (site) await site.stop();
  });

  it("shows the manual's columns and a proctor's new counts within one second; a silent room stands out", async function () {
    const { page } = browser;
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    const proctor = await site.proctor(ROOM);
    const beat = (over: Partial<HeartbeatRequest['counts']>): HeartbeatRequest => ({
      roomCode: ROOM,
      sessionNo: 1,
      state: 'started',
      counts: { candidates: 6, loggedIn: 0, inExam: 0, submitted: 0, ...over },
      dataImported: true,
    });
    await sendHeartbeat(proctor, beat({}));

    await page.goto(`${site.server.url}/#/during`);
    await page.locator('[data-test=login] input[name=username]:not([disabled])').waitFor({ timeout: 15_000 });
    await page.fill('input[name=username]', 'admin');
    await page.fill('input[name=password]', '888');
    await page.click('[data-test=login] button:has-text("登录")');
    const table = page.locator('[data-test=monitor-table]');
    await table.waitFor({ timeout: 15_000 });
    const header = await table.locator('thead').innerText();
    for (const col of ['考场编号', '注册IP', '考场数据导入状态', '考试授权状态', '授权验证状态', '是否结束考试', '是否已上报数据', '是否与考场连接', '考生人数', '已登录', '考试中']) {
      expect(header).to.contain(col);
    }
    expect(await table.locator('.el-table__footer').innerText()).to.contain('人数统计');
    const footer = await page.locator('[data-test=monitor-footer]').innerText();
    expect(footer).to.contain('场次名称：');
    expect(footer).to.match(/开考时间：\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/);
    await page.locator(`[data-test=logged-in-${ROOM}]`, { hasText: '0' }).waitFor({ timeout: 5000 });
    // The live stream is connected before the proctor changes anything.
    await page.locator('[data-test=status-bar] >> text=通讯: 运行').waitFor({ timeout: 15_000 });

    for (const loggedIn of [3, 5]) {
      const sent = Date.now();
      await sendHeartbeat(proctor, beat({ loggedIn, inExam: loggedIn - 1 }));
      await page.locator(`[data-test=logged-in-${ROOM}]`, { hasText: String(loggedIn) }).waitFor({ timeout: 1000 });
      expect(Date.now() - sent, 'heartbeat to page').to.be.below(1000);
      expect(await page.locator(`[data-test=in-exam-${ROOM}]`).innerText()).to.equal(String(loggedIn - 1));
    }
    const totals = await table.locator('.el-table__footer').innerText();
    expect(totals).to.contain('5');

    // Three missed beats (manual clock): the row turns red without a reload.
    site.beatClock.advance(16_000);
    await page.locator(`[data-test=connection-${ROOM}][data-connection=disconnected]`).waitFor({ timeout: 2000 });
    expect(await page.locator('tr.row-disconnected').count()).to.equal(1);
    expect(pageErrors).to.deep.equal([]);
  });

  it('shows an incident at once with a badge, sends a notice and shows who has not acknowledged it (issue 11 point 7)', async function () {
    const { page } = browser;
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    const proctor = await site.proctor(ROOM2);
    await sendHeartbeat(proctor, { roomCode: ROOM2, sessionNo: 1, state: 'started', counts: { candidates: 6, loggedIn: 6, inExam: 6, submitted: 0 }, dataImported: true });
    await page.reload();
    await page.locator('[data-test=monitor-table]').waitFor({ timeout: 15_000 });
    await page.locator('[data-test=status-bar] >> text=通讯: 运行').waitFor({ timeout: 15_000 });

    const sent = Date.now();
    await reportIncident(proctor, { roomCode: ROOM2, kind: '换机', note: '5 号机鼠标失灵，已换到 31 号机', ticketNo: '110030020005', sessionNo: 1 });
    await page.locator(`[data-test=incidents-${ROOM2}]`, { hasText: '1' }).waitFor({ timeout: 1000 });
    await page.locator('[data-test=monitor-incidents]', { hasText: '5 号机鼠标失灵' }).waitFor({ timeout: 1000 });
    expect(Date.now() - sent, 'incident to page').to.be.below(1000);
    expect(await page.locator('[data-test=monitor-incidents]').innerText()).to.match(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/);

    await page.fill('input[data-test=notice-text], [data-test=notice-text] input', '开考延迟10分钟');
    await page.click('[data-test=notice-send]');
    const notices = page.locator('[data-test=monitor-notices]');
    await notices.locator('text=开考延迟10分钟').waitFor({ timeout: 5000 });
    const pending = notices.locator('[data-test^=notice-pending-]').first();
    expect(await pending.innerText()).to.contain(ROOM2);
    await page.locator(`[data-test=unacked-${ROOM2}]`).waitFor({ timeout: 2000 });

    const answer = await sendHeartbeat(proctor, { roomCode: ROOM2, sessionNo: 1, state: 'started', counts: { candidates: 6, loggedIn: 6, inExam: 6, submitted: 0 }, dataImported: true });
    expect(answer.notices.map((n) => n.text)).to.deep.equal(['开考延迟10分钟']);
    await acknowledgeNotice(proctor, ROOM2, answer.notices[0]!.id);
    await page.locator(`[data-test=unacked-${ROOM2}]`).waitFor({ state: 'detached', timeout: 2000 });
    expect(await pending.innerText()).to.not.contain(ROOM2);
    expect(pageErrors).to.deep.equal([]);
  });
});
