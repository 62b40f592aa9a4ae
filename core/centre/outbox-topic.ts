// Browser-safe contract of the outbox's live topic (the web shows 上报成功 / waiting).
import { z } from 'zod';
import { createLiveTopic } from '../events/live-topic';
import { instantSchema } from '../time/instant';

const outboxEntrySchema = z.object({
  id: z.number(),
  idempotencyKey: z.string(),
  kind: z.string(),
  siteCode: z.string(),
  mode: z.enum(['formal', 'mock']),
  payload: z.unknown(),
  createdAt: instantSchema,
  attempts: z.number(),
  nextAttemptAt: instantSchema,
  lastError: z.string().nullable(),
  deliveredAt: instantSchema.nullable(),
  ackAt: instantSchema.nullable(),
  state: z.enum(['pending', 'delivered']),
});

const outboxLiveEventSchema = z.object({
  change: z.enum(['queued', 'delivered', 'failed']),
  entry: outboxEntrySchema,
});

/** Data of `centre.outbox` as the web reads it (server side: OutboxLiveEvent in outbox.ts). */
export type OutboxLiveEventView = z.infer<typeof outboxLiveEventSchema>;

/** Every queued, delivered or failed report to the centre. */
export const outboxTopic = createLiveTopic('centre.outbox', outboxLiveEventSchema);
