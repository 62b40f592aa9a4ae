/**
 * One cell of a CSV export (RFC 4180) that people open in Excel: separators, quotes and
 * line breaks are quoted; a leading = + - @ is quoted too, so Excel shows it as text
 * instead of running it as a formula.
 */
export function csvCell(v: string | number): string {
  const s = String(v);
  return /[",\r\n]/.test(s) || /^[=+\-@]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
