import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';

/** Words that may stand in the UI in Latin letters: protocol, file and product names. */
const ALLOWED_LATIN = new Set(['admin', 'FTP', 'HTTP', 'HTTPS', 'IP', 'SHA', 'PTQ', 'KDINFO', 'URL', 'CSV', 'JSON', 'USB', 'bak', 'zip', 'PDF', 'HTML', 'QR', 'ID', 'PC', 'LAN', 'MB', 'GB', 'KB', 'TLS', 'CPU']);

/** What a person must never see: English error text, raw JSON, a stack trace, placeholders of missing data. */
export function unwantedText(visible: string): string[] {
  const found: string[] = [];
  if (/\b(Error|TypeError|ReferenceError|Exception|Cannot read|is not a function|Unexpected token|Failed to fetch|Internal Server Error|Not Found)\b/.test(visible)) found.push('英文错误信息');
  if (/(^|\n)\s*[{[]\s*"[^"\n]+"\s*:/.test(visible) || /"(error|code|message|requestId)"\s*:/.test(visible)) found.push('原始 JSON');
  if (/\bat [\w.<>]+ \(?[^\s)]*:\d+:\d+\)?/.test(visible)) found.push('堆栈');
  if (/\b(undefined|NaN|\[object Object\])\b/.test(visible)) found.push('undefined / NaN');
  if (/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(visible)) found.push('未转换为北京时间的 ISO 时间');
  const latin = words(visible).flatMap((t) => t.match(/[A-Za-z]{4,}/g) ?? []);
  const english = [...new Set(latin.filter((w) => !ALLOWED_LATIN.has(w) && !/^[A-Z0-9]+$/.test(w)))];
  if (english.length > 0) found.push(`英文单词：${english.slice(0, 8).join(', ')}`);
  return found;
}

/**
 * The page's text as tokens a person reads as words: addresses, folder paths, hashes and
 * identifiers (a digit and a hyphen, like an upload id) are data, not language.
 */
function words(visible: string): string[] {
  return visible
    .split(/[\s\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+/u)
    .filter((t) => t !== '' && !/^[a-z]+:\/\//i.test(t) && !/^([A-Za-z]:)?[\\/]/.test(t) && !/^[0-9a-f]{8,}$/i.test(t) && !(/\d/.test(t) && t.includes('-')));
}

export interface PageShot {
  readonly name: string;
  readonly viewport: string;
  readonly file: string;
  readonly problems: readonly string[];
}

/**
 * Full-page screenshot of what is on screen now, at the page's current viewport, into
 * `dir`, plus the problems a person would see: unwanted text (above) and a page wider than
 * the window (a table may scroll inside itself; the page itself must not).
 */
export async function shootAndCheck(page: Page, dir: string, name: string): Promise<PageShot> {
  const size = page.viewportSize() ?? { width: 0, height: 0 };
  const viewport = `${size.width}x${size.height}`;
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}-${viewport}.png`);
  await page.screenshot({ path: file, fullPage: true });
  const { text, overflow } = await page.evaluate<{ text: string; overflow: number }>('({ text: document.body.innerText, overflow: document.documentElement.scrollWidth - window.innerWidth })');
  const problems = unwantedText(text);
  if (overflow > 1) problems.push(`页面比窗口宽 ${overflow} 像素（出现横向滚动条）`);
  return { name, viewport, file, problems };
}
