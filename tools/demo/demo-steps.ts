import { formatChinaTime } from '../../core/time/china-time';

export interface DemoStepRecord {
  readonly title: string;
  readonly ms: number;
  readonly ok: boolean;
  readonly detail: string;
}

export interface DemoSummary {
  readonly ok: boolean;
  readonly startedAt: string;
  readonly totalMs: number;
  readonly steps: readonly DemoStepRecord[];
  readonly facts: Readonly<Record<string, unknown>>;
}

/** Runs the demo's steps one after the other, printing each with its time (Chinese). */
export class DemoSteps {
  private readonly records: DemoStepRecord[] = [];
  private readonly started = Date.now();

  constructor(private readonly print: (line: string) => void) {}

  async run<T = undefined>(title: string, work: () => Promise<{ value?: T; detail?: string }>): Promise<T> {
    const n = this.records.length + 1;
    const t0 = performance.now();
    try {
      const { value, detail } = await work();
      const record = { title, ms: Math.round(performance.now() - t0), ok: true, detail: detail ?? '' };
      this.records.push(record);
      this.print(`✔ ${String(n).padStart(2)}. ${title}（${record.ms} ms）${record.detail ? `：${record.detail}` : ''}`);
      return value as T;
    } catch (e) {
      const record = { title, ms: Math.round(performance.now() - t0), ok: false, detail: e instanceof Error ? e.message : String(e) };
      this.records.push(record);
      this.print(`✘ ${String(n).padStart(2)}. ${title}（${record.ms} ms）：${record.detail}`);
      throw new DemoStepFailed(record, this.summary({}));
    }
  }

  summary(facts: Readonly<Record<string, unknown>>): DemoSummary {
    return {
      ok: this.records.every((r) => r.ok),
      startedAt: formatChinaTime(this.started),
      totalMs: Date.now() - this.started,
      steps: [...this.records],
      facts,
    };
  }
}

export class DemoStepFailed extends Error {
  override name = 'DemoStepFailed';
  constructor(
    readonly step: DemoStepRecord,
    readonly summary: DemoSummary,
  ) {
    super(`演示在“${step.title}”失败：${step.detail}`);
  }
}
