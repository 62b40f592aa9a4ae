// Browser test of the admin shell (R1.3, R1.4, R1.5): first login, 系统设置, frame title.
// Needs the built web UI (dist/web, built by `npm test`) and /usr/bin/chromium.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../../core/testing/test-server';
import { ensureWebBuilt, launchBrowser, type LaunchedBrowser } from './browser';

describe('admin web shell (browser)', function () {
  this.timeout(120_000);

  let dataDir: string;
  let server: TestServer;
  let browser: LaunchedBrowser;

  before(async function () {
    ensureWebBuilt();
    dataDir = mkdtempSync(join(tmpdir(), 'examsite-shell-'));
    server = await startTestServer({ dataDir });
    browser = await launchBrowser();
  });

  after(async function () {
    if (browser) await browser.close();
    if (server) await server.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('logs in as admin/888, sets site code 11003 in mock mode and shows it in the frame (R1.3, R1.4)', async function () {
    const { page } = browser;
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));

    await page.goto(server.url);
    await page.waitForSelector('[data-test=login]');
    const loginText = await page.innerText('[data-test=login]');
    assert.match(loginText, /考点管理系统/);
    // The test server runs with the software dongle: login is possible and it is labelled.
    await page.locator('[data-test=login] .el-form').waitFor();
    await page.waitForSelector('[data-test=login] input[name=username]:not([disabled])', { timeout: 10_000 }).catch(async () => {
      assert.fail(`login is disabled; the login page says: ${await page.innerText('[data-test=login]')}`);
    });
    assert.match(await page.innerText('[data-test=login]'), /模拟机考锁（仅用于开发与模拟考试）/);

    await page.fill('input[name=username]', 'admin');
    await page.fill('input[name=password]', '888');
    await page.click('[data-test=login] button:has-text("登录")');

    // First login: the 系统设置 dialog with 考点代码, 考试模式, 确定 and the 初始化 warning.
    const dialog = page.locator('.settings-dialog');
    await dialog.waitFor({ state: 'visible' });
    const dialogText = await dialog.innerText();
    for (const word of ['系统设置', '考点代码', '考试模式', '正式考试', '模拟考试', '确定', '初始化', '提示: 系统初始化会将系统还原回初始安装状态, 请谨慎使用。']) {
      assert.ok(dialogText.includes(word), `settings dialog shows ${word}`);
    }

    // A wrong code is refused before it reaches the server.
    await page.fill('input[name=siteCode]', '1100');
    await dialog.locator('button:has-text("确定")').click();
    await dialog.locator('text=请填写五位数字的考点代码').waitFor();

    await page.fill('input[name=siteCode]', '11003');
    await dialog.locator('label:has-text("模拟考试")').click();
    await dialog.locator('button:has-text("确定")').click();
    await dialog.waitFor({ state: 'hidden' });

    const titleBar = page.locator('[data-test=title-bar]');
    await titleBar.locator('text=(当前是模考)').waitFor();
    const title = await titleBar.innerText();
    assert.ok(title.includes('1+X 职业技能等级证书试点考试 | 考点管理系统'), title);
    assert.ok(title.includes('11003'), title);
    assert.ok(title.includes('(当前是模考)'), title);

    // Navigation and the five-step bar (R1.4).
    const main = await page.innerText('.frame');
    for (const word of ['考前', '考务管理', '考中', '考场管理', '考后', '数据回收', '导入考务', '考场注册', '考试授权', '封场检测', '授权验证']) {
      assert.ok(main.includes(word), `frame shows ${word}`);
    }

    // Live status bar from /api/events (R1.5).
    const status = page.locator('[data-test=status-bar]');
    await status.locator('text=通讯: 运行').waitFor({ timeout: 10_000 });
    const statusText = await status.innerText();
    assert.match(statusText, /端口:\s*\d+/);
    // The FTP item is contributed by the collection plugin; without it nothing claims 运行.
    if (server.kernel.bootOrder.includes('collection')) assert.match(statusText, /FTP服务:\s*运行/);
    else assert.doesNotMatch(statusText, /FTP服务/);
    assert.match(statusText, /网络连接:\s*(正常|异常)/);
    assert.match(statusText, /\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/);

    // The settings are kept: after a reload the frame still shows them, no dialog.
    await page.reload();
    await titleBar.locator('text=11003').waitFor();
    assert.ok((await titleBar.innerText()).includes('(当前是模考)'));
    assert.equal(await page.locator('.settings-dialog').isVisible(), false);

    assert.deepEqual(pageErrors, []);
  });
});
