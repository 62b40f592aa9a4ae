import os from 'node:os';

/**
 * One figure of SPEC §4 as a bench measured it: the value, the baseline measured in the same
 * run (or '-' for an absolute target), their ratio, the target and whether it was met.
 */
export interface BenchFigure {
  readonly bench: string;
  readonly figure: string;
  readonly value: string;
  readonly baseline: string;
  readonly ratio: string;
  readonly target: string;
  readonly pass: boolean;
}

/** What a bench hands its figures to; `figure` returns PASS / FAIL for the bench's own line. */
export interface BenchReport {
  figure(f: Omit<BenchFigure, 'bench'>): 'PASS' | 'FAIL';
}

export class BenchFigures {
  private readonly rows: BenchFigure[] = [];

  reportFor(bench: string): BenchReport {
    return {
      figure: (f) => {
        this.rows.push({ bench, ...f });
        return f.pass ? 'PASS' : 'FAIL';
      },
    };
  }

  /** A bench that failed to run at all is a row too: nothing silently missing from the table. */
  failed(bench: string, reason: string): void {
    this.rows.push({ bench, figure: 'run', value: `failed: ${reason}`, baseline: '-', ratio: '-', target: 'runs', pass: false });
  }

  get all(): readonly BenchFigure[] {
    return this.rows;
  }

  /** The one table of `npm run bench` (plain text, aligned; CJK counts as two columns). */
  table(): string {
    const head: BenchFigure = { bench: 'bench', figure: 'figure', value: 'value', baseline: 'baseline (same run)', ratio: 'ratio', target: 'target', pass: true };
    const cells = (r: BenchFigure, verdict: string): string[] => [r.bench, r.figure, r.value, r.baseline, r.ratio, r.target, verdict];
    const body = [cells(head, 'PASS/FAIL'), ...this.rows.map((r) => cells(r, r.pass ? 'PASS' : 'FAIL'))];
    const widths = body[0]!.map((_, i) => Math.max(...body.map((row) => displayWidth(row[i]!))));
    const fmt = (row: string[]): string => `| ${row.map((c, i) => c + ' '.repeat(widths[i]! - displayWidth(c))).join(' | ')} |`;
    const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
    const passed = this.rows.filter((r) => r.pass).length;
    return [
      fmt(body[0]!),
      rule,
      ...body.slice(1).map(fmt),
      '',
      `${passed}/${this.rows.length} figures PASS; load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores at the end`,
    ].join('\n');
  }
}

function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u.test(ch) ? 2 : 1;
  return w;
}
