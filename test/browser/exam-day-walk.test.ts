// The browser walk of issue 14 point 2: `npm run demo`'s whole exam day, and after each of
// its steps the panels and dialogs of the manual that step fills, at 1024×768 and 1920×1080:
// a full-page screenshot of each into artifacts/screenshots, and none may show English error
// text, raw JSON, a stack trace, a raw ISO time or a page wider than the window.
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { makeTempDir } from '../../core/testing/test-server';
import { runDemo } from '../../tools/demo/demo-flow';
import { ensureWebBuilt, launchBrowser, openLoggedIn, type LaunchedBrowser } from './browser';
import { shootAndCheck, type PageShot } from './page-checks';

const ARTIFACTS = path.resolve(__dirname, '../../../artifacts/screenshots');
const VIEWPORTS = [
  { width: 1024, height: 768 },
  { width: 1920, height: 1080 },
] as const;

/** One view of the walk: where to go and what to open there (a dialog is closed after). */
interface View {
  readonly name: string;
  readonly hash: string;
  readonly open?: (page: Page) => Promise<void>;
  readonly dialog?: boolean;
}

const dialogVisible = (page: Page): Promise<void> => page.locator('.el-dialog:visible').first().waitFor({ timeout: 15_000 });

function moreMenu(label: string): (page: Page) => Promise<void> {
  return async (page) => {
    await page.locator('[data-test=more]').click();
    await page.locator('.el-dropdown-menu__item:visible', { hasText: label }).first().click();
    await dialogVisible(page);
  };
}

function clickThenDialog(selector: string): (page: Page) => Promise<void> {
  return async (page) => {
    await page.locator(selector).first().click();
    await dialogVisible(page);
  };
}

function tab(label: string): (page: Page) => Promise<void> {
  return async (page) => void (await page.locator('.el-tabs__item', { hasText: label }).click());
}

/** What to look at after the demo step whose title contains the key. */
const VIEWS_AFTER: readonly { step: string; views: readonly View[] }[] = [
  {
    step: '设置参数',
    views: [
      { name: '00-系统设置', hash: '#/before/1', open: moreMenu('系统设置'), dialog: true },
      { name: '00-密码修改', hash: '#/before/1', open: clickThenDialog('[data-test=password]'), dialog: true },
    ],
  },
  {
    step: '载入考务',
    views: [
      { name: '01-导入考务', hash: '#/before/1', open: async (p) => void (await p.locator('[data-test=load-table] .el-table__row').first().waitFor()) },
      { name: '01-考场详情', hash: '#/before/1', open: clickThenDialog('[data-test=load-table] .el-table__row button:has-text("查看")'), dialog: true },
      { name: '01-手工导入', hash: '#/before/1', open: clickThenDialog('button:has-text("手工导入")'), dialog: true },
    ],
  },
  { step: '考试授权', views: [{ name: '03-考试授权', hash: '#/before/3' }] },
  {
    step: '考场注册',
    views: [
      { name: '02-考场注册', hash: '#/before/2', open: async (p) => void (await p.locator('[data-test=registration-table] .el-table__row').first().waitFor()) },
      { name: '02-查看考场', hash: '#/before/2', open: clickThenDialog('[data-test=registration-table] button:has-text("查看考场")'), dialog: true },
      { name: '02-导出考点信息', hash: '#/before/2', open: clickThenDialog('button:has-text("导出考点信息")'), dialog: true },
    ],
  },
  { step: '封场检测', views: [{ name: '04-封场检测', hash: '#/before/4', open: async (p) => void (await p.locator('[data-test=seal-result]').waitFor()) }] },
  { step: '授权验证', views: [{ name: '05-授权验证', hash: '#/before/5' }] },
  { step: '考中', views: [{ name: '06-考场监控', hash: '#/during' }] },
  {
    step: '数据回收',
    views: [
      { name: '07-数据回收', hash: '#/after', open: async (p) => void (await p.locator('[data-test=collection-table]').waitFor()) },
      { name: '07-考场情况', hash: '#/after', open: clickThenDialog('[data-test^=view-]'), dialog: true },
      { name: '07-对账', hash: '#/after', open: clickThenDialog('[data-test=open-reconciliation]'), dialog: true },
      { name: '07-回收', hash: '#/after', open: clickThenDialog('[data-test=open-collection-import]'), dialog: true },
    ],
  },
  {
    step: '第二步',
    views: [
      { name: '08-考后上报', hash: '#/after', open: tab('考后上报') },
      {
        name: '08-数据上报',
        hash: '#/after',
        open: async (p) => {
          await tab('考后上报')(p);
          await clickThenDialog('[data-test=open-report]')(p);
        },
        dialog: true,
      },
    ],
  },
  {
    step: '系统备份',
    views: [
      { name: '09-系统备份', hash: '#/before/4', open: moreMenu('系统备份'), dialog: true },
      { name: '09-系统恢复', hash: '#/before/4', open: moreMenu('系统恢复'), dialog: true },
      { name: '09-系统初始化', hash: '#/before/4', open: moreMenu('系统初始化'), dialog: true },
      { name: '09-事件日志', hash: '#/before/4', open: moreMenu('事件日志'), dialog: true },
      { name: '09-退出系统', hash: '#/before/4', open: moreMenu('退出系统'), dialog: true },
    ],
  },
  {
    step: '检查',
    views: [
      { name: '10-恢复后-导入考务', hash: '#/before/1' },
      { name: '10-恢复后-数据回收', hash: '#/after', open: async (p) => void (await p.locator('[data-test=collection-table]').waitFor()) },
    ],
  },
];

describe('browser walk through the whole exam day (issue 14 point 2)', function () {
  this.timeout(600_000);
  let browser: LaunchedBrowser | null = null;
  let work = '';

  before(() => {
    ensureWebBuilt();
    work = makeTempDir('walk-');
    fs.rmSync(ARTIFACTS, { recursive: true, force: true });
  });
  after(async () => {
    await browser?.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('every panel and dialog at 1024×768 and 1920×1080: a screenshot each, no English error, raw JSON, stack trace or page overflow', async () => {
    browser = await launchBrowser({ viewport: VIEWPORTS[0] });
    const page = browser.page;
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    const shots: PageShot[] = [];
    let loggedInTo: string | null = null;

    const look = async (siteUrl: string, view: View): Promise<void> => {
      for (const viewport of VIEWPORTS) {
        await page.setViewportSize(viewport);
        await page.goto(`${siteUrl}/${view.hash}`);
        await page.locator('[data-test=title-bar]').waitFor({ timeout: 15_000 });
        await view.open?.(page);
        // Let the panel's requests answer and its transitions end before the picture.
        await page.waitForTimeout(300);
        shots.push(await shootAndCheck(page, ARTIFACTS, view.name));
        if (view.dialog) {
          await page.keyboard.press('Escape');
          await page.locator('.el-dialog:visible').first().waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => undefined);
        }
      }
    };

    const summary = await runDemo({
      rooms: 4,
      answerBytes: 2048,
      keep: false,
      workDir: work,
      print: () => undefined,
      afterStep: async (title, siteUrl) => {
        const views = VIEWS_AFTER.find((v) => title.includes(v.step))?.views;
        if (!views || !siteUrl) return;
        if (loggedInTo !== siteUrl) {
          // Cookies are per host, not per port: the first site's session must not leak into the restored one.
          await browser!.context.clearCookies();
          await openLoggedIn(page, siteUrl);
          await page.locator('[data-test=title-bar]').waitFor({ timeout: 15_000 });
          loggedInTo = siteUrl;
        }
        for (const view of views) await look(siteUrl, view);
      },
    });
    expect(summary.ok).to.equal(true);

    const names = new Set(shots.map((s) => s.name));
    expect([...names]).to.have.length(VIEWS_AFTER.reduce((n, v) => n + v.views.length, 0));
    for (const s of shots) expect(fs.statSync(s.file).size, s.file).to.be.greaterThan(10_000);
    const problems = shots.filter((s) => s.problems.length > 0).map((s) => `${s.name} @ ${s.viewport}: ${s.problems.join('；')}`);
    // eslint-disable-next-line no-console
    console.log(`      ${shots.length} screenshots in ${ARTIFACTS}`);
    expect(problems, 'what a person would see').to.deep.equal([]);
    expect(pageErrors).to.deep.equal([]);
  });
});
