import { z } from 'zod';

/**
 * Where a "请先…" refusal sends the administrator (issue 10 point 8): the area of the frame
 * and, in 考前, the step; `label` names it for the button (前往第 5 步“授权验证”). Core names
 * areas and step numbers only, never a stage.
 */
export const goToSchema = z
  .object({
    area: z.enum(['before', 'during', 'after']).describe('界面区域：考前 before、考中 during、考后 after'),
    step: z.number().int().min(1).max(5).optional().describe('考前的步骤（1–5）'),
    label: z.string().describe('步骤名称，如 第 5 步“授权验证”'),
    anchor: z
      .string()
      .regex(/^[a-z][a-z0-9-]{1,40}$/)
      .optional()
      .describe('该处要突出显示的区域（界面元素的 data-anchor），如 clock-calibration'),
  })
  .describe('先要完成的步骤：界面据此显示“前往”按钮');

export type GoTo = z.infer<typeof goToSchema>;

/** A step of 考前's five-step bar. */
export type StepNumber = 1 | 2 | 3 | 4 | 5;

/** A goTo of a 考前 step (its number is always there: the step bar's progress uses it too). */
export interface StepGoTo extends GoTo {
  readonly area: 'before';
  readonly step: StepNumber;
}

/** `beforeStep(1, '导入考务')` → 前往第 1 步“导入考务”. */
export function beforeStep(step: StepNumber, name: string): StepGoTo {
  return { area: 'before', step, label: `第 ${step} 步“${name}”` };
}
