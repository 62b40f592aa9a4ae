// Browser-safe contract of the 考试授权 / 授权验证 stages: imported by server code and web panels.
import { z } from 'zod';
import { createLiveTopic } from '../../../core/events/live-topic';
import { beforeStep, type GoTo } from '../../../core/http/guidance';

/** 考试授权 (step 3) and 授权验证 with its 机考锁校时 / 机考锁注册 box (step 5). */
export const AUTHORIZATION_STEP = beforeStep(3, '考试授权');
export const VERIFICATION_STEP = beforeStep(5, '授权验证');
/** 机考锁校时 and 机考锁注册: the box on the right of 第 5 步 (its data-anchor). */
export const CLOCK_CALIBRATION_PLACE: GoTo = { ...VERIFICATION_STEP, label: `${VERIFICATION_STEP.label}的“机考锁校时”`, anchor: 'clock-calibration' };

export const authorizationChangedSchema = z.object({
  sessionNo: z.number().int().nullable(),
  action: z.enum(['authorized', 'verified', 'cleared']),
});
export type AuthorizationChangedEvent = z.infer<typeof authorizationChangedSchema>;

/** Published whenever a session's authorization or verification changed. */
export const authorizationChangedTopic = createLiveTopic('authorization.changed', authorizationChangedSchema);
