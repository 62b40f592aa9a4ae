// A browser walk's look at one screen (issue 14 point 2): a full-page screenshot into an
// artifacts folder and the checks every screen must pass — no English error text, raw JSON or
// stack trace visible, and the layout checks of layout-check.ts. The demo walk calls it per
// panel and dialog; the layout test calls it per viewport.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describeProblems, layoutProblems } from './layout-check';

/** Where screenshots go by default: artifacts/screenshots at the repository root (git-ignored). */
export function screenshotDir(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return process.env.EXAMSITE_SCREENSHOT_DIR ?? path.join(dir, 'artifacts', 'screenshots');
}

/** Text that must never reach the administrator's eyes. */
const FORBIDDEN_TEXT: readonly { what: string; pattern: RegExp }[] = [
  { what: '堆栈信息', pattern: /\bat \S+ \(?\S+:\d+:\d+\)?|\n\s+at \S+/ },
  { what: '原始 JSON', pattern: /[{[]\s*"[A-Za-z_]+"\s*:/ },
  { what: '英文错误', pattern: /\b(Error|Exception|TypeError|ReferenceError|undefined|null|NaN|failed|Failed|Cannot|cannot|Unexpected|Internal Server|Not Found|Bad Request|Unauthorized|Forbidden)\b/ },
  { what: '未格式化的时间', pattern: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/ },
];

export interface ScreenFinding {
  readonly screen: string;
  readonly problem: string;
}

/** The forbidden texts visible on the page now (innerText: only what is rendered). */
export async function forbiddenTextOnPage(page: Page): Promise<string[]> {
  const text = await page.evaluate<string>('document.body.innerText');
  return FORBIDDEN_TEXT.flatMap(({ what, pattern }) => {
    const m = pattern.exec(text);
    if (!m) return [];
    const at = Math.max(0, m.index - 20);
    return [`${what}：…${text.slice(at, m.index + m[0].length + 20).replace(/\s+/g, ' ')}…`];
  });
}

export interface LookOptions {
  /** Folder for the screenshot; null: no screenshot. Default screenshotDir(). */
  readonly dir?: string | null;
  /** Only check the layout below this element (default: the whole page). */
  readonly root?: string;
  /** Skip the layout checks (e.g. a printable sheet). */
  readonly layout?: boolean;
}

/**
 * Looks at the current screen as `screen` (used in the file name): saves `<screen>.png` and
 * returns every problem found (empty when the screen holds).
 */
export async function lookAtScreen(page: Page, screen: string, options: LookOptions = {}): Promise<ScreenFinding[]> {
  const dir = options.dir === undefined ? screenshotDir() : options.dir;
  if (dir) {
    fs.mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: path.join(dir, `${screen.replace(/[^\p{L}\p{N}._-]+/gu, '_')}.png`), fullPage: true });
  }
  const findings: ScreenFinding[] = (await forbiddenTextOnPage(page)).map((problem) => ({ screen, problem }));
  if (options.layout !== false) {
    const problems = await layoutProblems(page, options.root);
    if (problems.length > 0) findings.push({ screen, problem: describeProblems(screen, problems) });
  }
  return findings;
}
