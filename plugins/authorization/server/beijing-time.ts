/** Wall-clock rendering for messages, e.g. 2026-12-20 09:00:00 (sites run on UTC+8). */
export function formatBeijing(ms: number | string): string {
  const t = typeof ms === 'string' ? Date.parse(ms) : ms;
  if (!Number.isFinite(t)) return String(ms);
  return new Date(t + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
}
