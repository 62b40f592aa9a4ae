// Browser-safe contract of the 考试授权 / 授权验证 stages: imported by server code and web panels.
import { z } from 'zod';
import { createLiveTopic } from '../../../core/events/live-topic';

export const authorizationChangedSchema = z.object({
  sessionNo: z.number().int().nullable(),
  action: z.enum(['authorized', 'verified', 'cleared']),
});
export type AuthorizationChangedEvent = z.infer<typeof authorizationChangedSchema>;

/** Published whenever a session's authorization or verification changed. */
export const authorizationChangedTopic = createLiveTopic('authorization.changed', authorizationChangedSchema);
