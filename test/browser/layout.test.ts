// Browser test of issue 10 point 7: at 1024×768, 1280×800 and 1920×1080 every panel of the
// whole product (考前 steps 1–5, 考中 monitor, 考后 回收 and 上报) holds — no two key elements
// overlap (step 5's 机考锁校时 box beside the session selector), no table column is cut or out
// of reach, the page never scrolls sideways, and a toast leaves the title bar's site code and
// 模考 label readable. Each screen is also checked for English errors, raw JSON and stack traces
// (page-checks.ts, the issue 14 walk's checks) with a screenshot in artifacts/screenshots/layout.
// Needs the built web UI (dist/web) and /usr/bin/chromium.
import { expect } from 'chai';
import path from 'node:path';
import { startAuthorizationSite, type AuthorizationSite } from '../integration/authorization/authorization-harness';
import { ProctorClient } from '../sim/proctor/proctor-client';
import { ensureWebBuilt, launchBrowser, openLoggedIn, type LaunchedBrowser } from './browser';
import { describeProblems, layoutProblems } from './layout-check';
import { shootAndCheck } from './page-checks';

export const VIEWPORTS = [
  { width: 1024, height: 768 },
  { width: 1280, height: 800 },
  { width: 1920, height: 1080 },
] as const;

/** Each panel: its address, the element that says it is there, and the tab to click if any. */
export const PANELS: readonly { name: string; hash: string; ready: string; tab?: string }[] = [
  { name: '1-导入考务', hash: '#/before/1', ready: '[data-test=load-panel] .el-table' },
  { name: '2-考场注册', hash: '#/before/2', ready: '[data-test=registration-panel] .el-table' },
  { name: '3-考试授权', hash: '#/before/3', ready: '[data-test=authorization-panel] .el-table' },
  { name: '4-封场检测', hash: '#/before/4', ready: '[data-test=seal-panel]' },
  { name: '5-授权验证', hash: '#/before/5', ready: '[data-test=verification-panel] [data-test=calibration-box]' },
  { name: '考中-考场监控', hash: '#/during', ready: '[data-test=monitor-page] .el-table' },
  { name: '考后-数据回收', hash: '#/after', ready: '[data-test=collection-page] .el-table', tab: '数据回收' },
  { name: '考后-考后上报', hash: '#/after', ready: '[data-test=open-report]', tab: '考后上报' },
];

describe('layouts hold at 1024×768, 1280×800 and 1920×1080 (browser, issue 10 point 7)', function () {
  this.timeout(300_000);
  let site: AuthorizationSite;
  let browser: LaunchedBrowser;

  before(async function () {
    ensureWebBuilt();
    // The whole product; session 1 in 3 h with the warning from 4 h, so step 5 shows its warning.
    site = await startAuthorizationSite({ allPlugins: true, config: { calibrationWarnLeadMinutes: 240 } });
    // One registered room, so the registration and monitor tables carry an address.
    const rooms = await site.admin.get<{ rooms: { roomCode: string; registrationCode: string }[] }>('/api/registration/rooms');
    const room = rooms.body.rooms[0]!;
    await new ProctorClient(site.server.url).register({ roomCode: room.roomCode, registrationCode: room.registrationCode, machineId: `pc-${room.roomCode}`, clientVersion: '1.0.0' });
    browser = await launchBrowser({ viewport: VIEWPORTS[0] });
    await openLoggedIn(browser.page, `${site.server.url}/#/before/1`);
    await browser.page.locator('[data-test=site-code]').waitFor({ timeout: 15_000 });
  });

  after(async function () {
    if (browser) await browser.close();
    if (site) await site.stop();
  });

  for (const viewport of VIEWPORTS) {
    it(`${viewport.width}×${viewport.height}: every panel holds (no overlap, every column visible or reachable, no sideways page)`, async function () {
      const { page } = browser;
      await page.setViewportSize(viewport);
      const findings: string[] = [];
      const shots = path.resolve(__dirname, '../../../artifacts/screenshots/layout');
      for (const panel of PANELS) {
        await page.evaluate(`location.hash = ${JSON.stringify(panel.hash)}`);
        if (panel.tab) await page.locator('.el-tabs__item', { hasText: panel.tab }).click();
        await page.locator(panel.ready).first().waitFor({ timeout: 15_000 });
        // Let the live data and Element Plus's table layout settle.
        await page.waitForTimeout(400);
        const where = `${viewport.width}×${viewport.height} ${panel.name}`;
        findings.push(describeProblems(where, await layoutProblems(page)));
        // The walk's checks too (English, raw JSON, stack traces), with a screenshot.
        findings.push(...(await shootAndCheck(page, shots, panel.name)).problems.map((p) => `${where}: ${p}`));
      }
      expect(findings.filter((f) => f !== '').join('\n')).to.equal('');
    });

    it(`${viewport.width}×${viewport.height}: a toast leaves the title bar's site code and 模考 label uncovered`, async function () {
      const { page } = browser;
      await page.setViewportSize(viewport);
      await page.evaluate("location.hash = '#/before/5'");
      const box = page.locator('[data-test=calibration-box]');
      await box.waitFor({ timeout: 15_000 });
      // 机考锁注册 answers with a toast (idempotent at the centre).
      await page.evaluate("document.querySelectorAll('.el-message').forEach((e) => e.remove())");
      await box.locator('[data-test=register-dongle]').click();
      await page.locator('.el-message--success').first().waitFor();
      await page.waitForTimeout(400); // the toast's slide-in
      const problems = (await layoutProblems(page)).filter((p) => p.kind === 'title-covered');
      expect(await page.locator('[data-test=mock-mode]').isVisible()).to.equal(true);
      expect(problems, describeProblems(`${viewport.width}×${viewport.height}`, problems)).to.deep.equal([]);
    });
  }
});
