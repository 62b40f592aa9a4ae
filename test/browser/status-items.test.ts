// Browser test of contributed status-bar items (issue 9 point 7b): an item a plugin
// contributes is rendered between 通讯 and 网络连接 and follows the state its plugin pushes.
import { expect } from 'chai';
import { runState, statusItemsPoint } from '../../core/http/status-items';
import type { StatusService } from '../../core/http/status';
import { definePlugin } from '../../core/kernel/plugin';
import { coreServices } from '../../core/services';
import { startTestServer, type TestServer } from '../../core/testing/test-server';
import { ensureWebBuilt, launchBrowser, openLoggedIn, type LaunchedBrowser } from './browser';

describe('status-bar items contributed by a plugin (browser, issue 9 point 7b)', function () {
  this.timeout(120_000);
  let server: TestServer;
  let browser: LaunchedBrowser;
  let running = true;
  let status: StatusService | null = null;

  before(async function () {
    ensureWebBuilt();
    const demo = definePlugin({
      manifest: { id: 'demo-service', version: '1.0.0', host: '^0.1.0', displayName: '示例服务' },
      register(env) {
        env.extendWith(statusItemsPoint, {
          deps: { status: coreServices.status },
          factory: (d) => {
            status = d.status;
            return { id: 'demo.service', label: '示例服务', state: () => runState(running) };
          },
        });
      },
    });
    server = await startTestServer({ plugins: [demo] });
    browser = await launchBrowser();
  });

  after(async function () {
    if (browser) await browser.close();
    if (server) await server.stop();
  });

  it('renders the item in the bar and updates it live when its plugin pushes a change', async function () {
    const { page } = browser;
    await openLoggedIn(page, server.url);
    const bar = page.locator('[data-test=status-bar]');
    await bar.locator('text=通讯: 运行').waitFor({ timeout: 15_000 });
    const item = bar.locator('[data-test="status-item-demo.service"]');
    await item.locator('text=运行').waitFor({ timeout: 10_000 });
    expect(await item.innerText()).to.match(/示例服务:\s*运行/);
    const text = await bar.innerText();
    expect(text.indexOf('通讯')).to.be.lessThan(text.indexOf('示例服务'));
    expect(text.indexOf('示例服务')).to.be.lessThan(text.indexOf('网络连接'));
    expect(text).not.to.contain('FTP服务');

    running = false;
    await status!.publish();
    await item.locator('text=停止').waitFor({ timeout: 10_000 });
  });
});
