// How the 数据回收 table writes its figures (manual §5.2): one number per subject, "科目1/科目2".
import type { CollectionTable, CollectionTableRow, ReconciliationLine } from '../../api/contract';

export type FigureKey = 'candidates' | 'present' | 'absent' | 'collected' | 'uncollected';

export const FIGURE_COLUMNS: readonly { key: FigureKey; label: string }[] = [
  { key: 'candidates', label: '考生人数' },
  { key: 'present', label: '参考人数' },
  { key: 'absent', label: '缺考人数' },
  { key: 'collected', label: '回收人数' },
  { key: 'uncollected', label: '未回收人数' },
];

export function perSubject(values: readonly number[]): string {
  return values.length === 0 ? '0' : values.join('/');
}

/** The column header: "考生人数 (科目1/科目2)" with as many subjects as the widest session. */
export function figureHeader(label: string, table: CollectionTable | null): string {
  const width = Math.max(1, ...(table?.rows ?? []).map((r) => r.subjects.length));
  return `${label} (${Array.from({ length: width }, (_, i) => `科目${i + 1}`).join('/')})`;
}

/** 人数统计 row: the label under 考场编号, the per-subject sums under each figure column. */
export function totalsRow(table: CollectionTable | null, columns: readonly { property?: string }[]): string[] {
  return columns.map((c, i) => {
    if (i === 0) return '人数统计';
    const key = FIGURE_COLUMNS.find((f) => f.key === c.property)?.key;
    return key && table ? perSubject(table.totals[key]) : '';
  });
}

export function reportTone(row: CollectionTableRow): 'success' | 'warning' | 'info' {
  return row.report === '上报成功' ? 'success' : row.report === '待上报' ? 'warning' : 'info';
}

/** One candidate of the 考场情况 dialog: per subject what the result says. */
export interface CandidateView {
  readonly ticketNo: string;
  readonly name: string;
  readonly bySubject: Record<string, ReconciliationLine['state']>;
}

export function candidatesOf(lines: readonly ReconciliationLine[]): { subjects: string[]; candidates: CandidateView[] } {
  const subjects = [...new Set(lines.map((l) => l.subjectCode))];
  const byTicket = new Map<string, { ticketNo: string; name: string; bySubject: Record<string, ReconciliationLine['state']> }>();
  for (const l of lines) {
    const c = byTicket.get(l.ticketNo) ?? { ticketNo: l.ticketNo, name: l.name, bySubject: {} };
    c.bySubject[l.subjectCode] = l.state;
    byTicket.set(l.ticketNo, c);
  }
  return { subjects, candidates: [...byTicket.values()] };
}

/** What the 考场情况 dialog says for one candidate and subject. */
export const CANDIDATE_STATE_TEXT: Record<ReconciliationLine['state'], string> = {
  collected: '参考 · 已回收',
  absent: '缺考',
  missing: '参考 · 无答题文件',
  pending: '未回收',
};
