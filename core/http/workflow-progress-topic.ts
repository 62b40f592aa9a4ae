// Browser-safe contract of the step bar's progress (issue 10 point 8): the shell imports it.
import { z } from 'zod';
import { createLiveTopic } from '../events/live-topic';

const stepNumberSchema = z.number().int().min(1).max(5);

export const workflowProgressSchema = z
  .object({
    steps: z
      .array(z.object({ step: stepNumberSchema, done: z.boolean().describe('该步骤的各插件都已报告完成') }))
      .readonly()
      .describe('有插件报告进度的考前步骤，按步骤顺序'),
    next: stepNumberSchema.nullable().describe('下一步要做的步骤（第一个未完成的步骤）；全部完成时为 null'),
  })
  .meta({ id: 'WorkflowProgress' });

export type WorkflowProgressView = z.infer<typeof workflowProgressSchema>;

/** Pushed when a step's done fact changes (the step bar's √ and its highlighted next step). */
export const workflowProgressTopic = createLiveTopic('workflow.progress', workflowProgressSchema);
