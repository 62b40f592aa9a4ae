// The one place the admin UI turns an instant into text. The site runs in China: every
// time is shown in China time (Asia/Shanghai, UTC+8) whatever zone the browser's PC is set
// to, so the shell, every panel and the server's printed sheets and messages agree.

export const SITE_TIME_ZONE = 'Asia/Shanghai';

const DATE_TIME = new Intl.DateTimeFormat('zh-CN', {
  timeZone: SITE_TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

type Instant = number | string | Date | null | undefined;

function toDate(value: Instant): Date | null {
  if (value === null || value === undefined || value === '') return null;
  const d = value instanceof Date ? value : new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** "2019-11-22 14:01:09" in China time (as in the manual); "-" when there is no time. */
export function formatDateTime(value: Instant): string {
  const d = toDate(value);
  if (!d) return '-';
  const p: Record<string, string> = {};
  for (const part of DATE_TIME.formatToParts(d)) p[part.type] = part.value;
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}
