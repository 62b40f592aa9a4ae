// Browser-safe contract of the 考场注册 stage: imported by its server code and by any web panel.
import { z } from 'zod';
import { createLiveTopic } from '../../../core/events/live-topic';
import { beforeStep } from '../../../core/http/guidance';

/** Where rooms are registered: the step bar's step 2 and the step a "请先完成考场注册" points to. */
export const REGISTRATION_STEP = beforeStep(2, '考场注册');

export const registrationChangedSchema = z.object({
  /** The room that changed; null when many changed at once (restore, initialization). */
  roomCode: z.string().nullable(),
  action: z.enum(['registered', 'revoked', 'restored', 'cleared']),
});
export type RegistrationChangedEvent = z.infer<typeof registrationChangedSchema>;

/** Published whenever a room is registered, revoked or restored. */
export const registrationChangedTopic = createLiveTopic('registration.changed', registrationChangedSchema);

export const registrationLocksSchema = z.object({
  /** The address whose registration-code lock started or was lifted. */
  ip: z.string(),
});

/** A registration-code lock started or was lifted (考场注册 → 注册锁定). */
export const registrationLocksTopic = createLiveTopic('registration.locks', registrationLocksSchema);
