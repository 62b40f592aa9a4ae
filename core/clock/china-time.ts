/** Sites run in China (UTC+8, no daylight saving): instants shown to people are China time. */
const CHINA_OFFSET_MS = 8 * 3_600_000;

/** `2026-12-20 09:00:00` in China time; the input unchanged when it is not an instant. */
export function formatChinaTime(instant: number | string | Date): string {
  const t = instant instanceof Date ? instant.getTime() : typeof instant === 'string' ? Date.parse(instant) : instant;
  if (!Number.isFinite(t)) return String(instant);
  return new Date(t + CHINA_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');
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
