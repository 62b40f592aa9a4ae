/**
 * The one way an instant is shown to people: China time (UTC+8, no daylight saving),
 * `2026-12-20 09:00:00`, whatever zone the PC is set to. Used by server messages, the
 * printed sheets and the admin UI (browser-safe: no Node imports, no ICU data needed).
 */

export const CHINA_TIME_ZONE = 'Asia/Shanghai';

const CHINA_OFFSET_MS = 8 * 3_600_000;

/** An instant as the code holds it: ms since the epoch, an ISO-8601 string or a Date. */
export type Instant = number | string | Date;

function epochMsOf(value: Instant): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number') return value;
  return Date.parse(value);
}

/**
 * `2026-12-20 09:00:00` in China time. `whenMissing` is shown for null/undefined/'' (the
 * UI's "-"); a value that is not an instant is shown as it is rather than as a wrong time.
 */
export function formatChinaTime(value: Instant | null | undefined, whenMissing = '-'): string {
  if (value === null || value === undefined || value === '') return whenMissing;
  const ms = epochMsOf(value);
  if (!Number.isFinite(ms)) return String(value);
  return new Date(ms + CHINA_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');
}

/** `2026-12-20` in China time (the calendar day of an instant at the site). */
export function formatChinaDate(value: Instant | null | undefined, whenMissing = '-'): string {
  const full = formatChinaTime(value, whenMissing);
  return /^\d{4}-\d{2}-\d{2} /.test(full) ? full.slice(0, 10) : full;
}

/** Parses `2026-12-20 09:00:00` (or `2026-12-20T09:00`, seconds optional) read as China time; null if it is not one. */
export function parseChinaTime(text: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(text.trim());
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map((v) => Number(v ?? 0)) as [number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s) - CHINA_OFFSET_MS;
  const back = new Date(ms + CHINA_OFFSET_MS);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return null;
  return new Date(ms);
}
