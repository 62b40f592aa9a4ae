import { authorizationChangedTopic } from './contract';
import { createServiceRef } from '../../../core/kernel/refs';

export * from './authorization-format';

/**
 * Public API of the 考试授权 (R4) and 授权验证 (R6.2, R6.3) stages: what other plugins
 * (封场检测, 考场监控, 系统初始化) and vendors may use.
 */

export type AuthorizationSource = 'online' | 'file';

/** One row of the 场次明细 table (R4.3) with what stands behind each √. */
export interface SessionAuthorizationStatus {
  /** 场次 */
  readonly sessionNo: number;
  /** 场次名称 */
  readonly name: string;
  /** 开考时间, ISO-8601 */
  readonly startsAt: string;
  /** 考试时长, minutes */
  readonly durationMinutes: number;
  /** 考试授权状态: an authorization for this site, mode, dongle and the loaded package is held. */
  readonly authorized: boolean;
  readonly authorizedAt: string | null;
  readonly authorizationSource: AuthorizationSource | null;
  readonly version: number | null;
  /** 授权验证状态 */
  readonly verified: boolean;
  /** Trusted (dongle) time of the verification. */
  readonly verifiedAt: string | null;
  readonly verificationSource: AuthorizationSource | null;
  /** When 授权验证 opens (start minus the configured lead) and closes (the session's end). */
  readonly verificationOpensAt: string;
  readonly endsAt: string;
  /** Why a held authorization does not count (e.g. the package was replaced since). */
  readonly note: string | null;
}

export interface AuthorizationDirectory {
  /** Every session of the loaded data, in session order. */
  list(): Promise<SessionAuthorizationStatus[]>;
  of(sessionNo: number): Promise<SessionAuthorizationStatus | null>;
  /** Called after a session's authorization or verification changed (sessionNo, or null for all). */
  onChanged(listener: (sessionNo: number | null) => void): () => void;
}

export const authorizationDirectoryRef = createServiceRef<AuthorizationDirectory>(
  'authorization.directory',
  '各场次的考试授权与授权验证状态',
);

export { AUTHORIZATION_STEP, CLOCK_CALIBRATION_PLACE, VERIFICATION_STEP, authorizationChangedTopic, type AuthorizationChangedEvent } from './contract';
/** Id of `authorizationChangedTopic`. */
export const AUTHORIZATION_CHANGED_EVENT = authorizationChangedTopic.id;
