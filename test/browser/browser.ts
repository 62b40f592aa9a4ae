// Browser harness for UI tests: a headless system Chromium (never downloaded) in a fresh
// profile directory that close() removes.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.EXAMSITE_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface LaunchedBrowser {
  context: BrowserContext;
  page: Page;
  /** Closes the browser and removes its profile directory. */
  close(): Promise<void>;
}

export interface LaunchOptions {
  viewport?: { width: number; height: number };
}

export async function launchBrowser(options: LaunchOptions = {}): Promise<LaunchedBrowser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}; install it with: apt-get install -y chromium`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'examsite-browser-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(dir, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: options.viewport ?? { width: 1366, height: 768 },
      locale: 'zh-CN',
    });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  let closed = false;
  return {
    context,
    page,
    async close() {
      if (closed) return;
      closed = true;
      try {
        await context.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'web', 'vite.config.mts'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('repository root (with web/vite.config.mts) not found');
    dir = up;
  }
  return dir;
}

/**
 * The browser tests need dist/web. `npm test` builds it once before mocha; a test run on
 * its own builds it here when it is missing (or when EXAMSITE_REBUILD_WEB=1).
 */
export function ensureWebBuilt(): void {
  const root = repoRoot();
  if (existsSync(join(root, 'dist', 'web', 'index.html')) && process.env.EXAMSITE_REBUILD_WEB !== '1') return;
  const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  execFileSync(process.execPath, [vite, 'build', '--config', 'web/vite.config.mts', '--logLevel', 'error'], { cwd: root, stdio: 'inherit' });
}

/** Opens `url` (the login page comes first) and logs in as the administrator. */
export async function openLoggedIn(page: Page, url: string, username = 'admin', password = '888'): Promise<void> {
  await page.goto(url);
  await page.locator('[data-test=login] input[name=username]:not([disabled])').waitFor({ timeout: 15_000 });
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await page.click('[data-test=login] button:has-text("登录")');
}
