import { z } from 'zod';
import type { LiveEvents } from '../events/live-events';
import { createExtensionPoint } from '../kernel/refs';
import type { PluginHttp } from './http-registry';
import type { AuthGuard } from './route';
import { workflowProgressSchema, workflowProgressTopic, type WorkflowProgressView } from './workflow-progress-topic';

const workflowStepSchema = z.object({
  id: z.string().regex(/^[a-z][a-z0-9.-]{2,63}$/, '步骤进度项目编号只能由小写字母、数字、点和连字符组成'),
  step: z.number().int().min(1, '步骤应为 1–5').max(5, '步骤应为 1–5'),
  done: z.custom<() => Promise<boolean>>((v) => typeof v === 'function', 'done 应为返回是否完成的函数'),
});

/**
 * One "done?" fact of a 考前 step, contributed by the plugin that owns it (a step may have
 * several, e.g. 授权验证: the dongle calibrated and every session verified). Core knows step
 * numbers only, never which stage stands behind one.
 */
export interface WorkflowStepProgress {
  readonly id: string;
  /** 1–5 of the step bar. */
  readonly step: number;
  /** Cheap read of the plugin's own state; a throw counts as not done. */
  done(): Promise<boolean>;
}

/** Owned by the host; contribute with `env.extendWith(workflowStepsPoint, { deps, factory })`. */
export const workflowStepsPoint = createExtensionPoint<WorkflowStepProgress>('core.workflowSteps', '考前步骤的完成情况', {
  schema: workflowStepSchema,
});

/** How often an open page's step bar is brought up to date (only while a page listens). */
const PROGRESS_POLL_MS = 1000;

/**
 * The step bar's progress: a step is done when every fact contributed for it is. Read on
 * request and, while a page listens to `workflow.progress`, once a second, published only
 * when it changed — the plugins need not announce anything for the bar to follow them.
 */
export class WorkflowProgress {
  private facts: readonly WorkflowStepProgress[] = [];
  private lastPublished: string | null = null;
  private ticker: NodeJS.Timeout | null = null;
  private polling = false;

  constructor(private readonly live: LiveEvents) {}

  setFacts(facts: readonly WorkflowStepProgress[]): void {
    this.facts = facts;
  }

  async snapshot(): Promise<WorkflowProgressView> {
    const byStep = new Map<number, WorkflowStepProgress[]>();
    for (const fact of this.facts) byStep.set(fact.step, [...(byStep.get(fact.step) ?? []), fact]);
    const steps = await Promise.all(
      [...byStep.entries()]
        .sort(([a], [b]) => a - b)
        .map(async ([step, facts]) => ({ step, done: (await Promise.all(facts.map((f) => f.done().catch(() => false)))).every(Boolean) })),
    );
    return { steps, next: steps.find((s) => !s.done)?.step ?? null };
  }

  /** Publishes the progress if it differs from the last publication (and someone listens). */
  async publishIfChanged(): Promise<void> {
    if (!this.live.anyoneWants(workflowProgressTopic.id)) {
      this.lastPublished = null;
      return;
    }
    const view = await this.snapshot();
    const text = JSON.stringify(view);
    if (text === this.lastPublished) return;
    this.lastPublished = text;
    this.live.publish(workflowProgressTopic, view);
  }

  start(): void {
    if (this.ticker) return;
    this.ticker = setInterval(() => {
      if (this.polling) return;
      this.polling = true;
      void this.publishIfChanged().finally(() => (this.polling = false));
    }, PROGRESS_POLL_MS);
    this.ticker.unref();
  }

  stop(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = null;
  }
}

/** GET /api/workflow/progress: what the step bar shows before the first push. */
export function mountWorkflowProgressRoute(http: PluginHttp, guard: AuthGuard<unknown>, progress: WorkflowProgress): void {
  http.route({
    method: 'get',
    path: '/workflow/progress',
    operationId: 'getWorkflowProgress',
    summary: '考前步骤的完成情况（步骤条的 √ 与下一步）',
    description: '各步骤的完成情况由负责该步骤的插件提供；变化时以实时主题 `workflow.progress` 推送。',
    tags: ['系统'],
    guard,
    response: workflowProgressSchema,
    handler: () => progress.snapshot(),
  });
}
