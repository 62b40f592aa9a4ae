// Browser-safe contract of 封场检测 (R5): the panel's data and its live topic.
import { z } from 'zod';
import { createLiveTopic } from '../../../core/events/live-topic';
import { instantSchema } from '../../../core/time/instant';
import { beforeStep, goToSchema } from '../../../core/http/guidance';

/** 封场检测 is step 4 of the step bar. */
export const SEAL_STEP = beforeStep(4, '封场检测');

export const sealItemResultSchema = z.object({
  id: z.string(),
  title: z.string(),
  passed: z.boolean(),
  /** Chinese reason (why it passed or failed). */
  reason: z.string(),
  /** What to do when it failed. */
  fix: z.string().nullable(),
  /** The step (1–5 of 考前) or page that fixes it, e.g. "#/before/2". */
  fixAt: z.string().nullable(),
  /** A step to do first (the check's own step cannot help yet), with its 前往 button. */
  goTo: goToSchema.nullable(),
});
export type SealItemResult = z.infer<typeof sealItemResultSchema>;

export const sealRoomResultSchema = z.object({ roomCode: z.string(), passed: z.boolean(), reason: z.string().nullable() });

export const sealRunSchema = z.object({
  id: z.number().int(),
  ranAt: instantSchema,
  passed: z.boolean(),
  items: z.array(sealItemResultSchema),
  rooms: z.array(sealRoomResultSchema),
  /** Report of a passing run: delivered (上报成功 time) or waiting for the network. */
  report: z.object({ state: z.enum(['delivered', 'pending']), deliveredAt: instantSchema.nullable() }).nullable(),
});
export type SealRunView = z.infer<typeof sealRunSchema>;

export const sealPanelSchema = z.object({ lastRun: sealRunSchema.nullable() });
export type SealPanel = z.infer<typeof sealPanelSchema>;

/** A run finished (the panel and the registration table re-read). */
export const sealRunTopic = createLiveTopic('seal.run', z.object({ id: z.number().int(), passed: z.boolean() }));
