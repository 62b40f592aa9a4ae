import type { SessionInfo } from '../../load/api';

/** A session's exam time and when 授权验证 may happen (R6.2). All ms since the epoch. */
export interface SessionWindow {
  readonly startsAtMs: number;
  readonly endsAtMs: number;
  /** startsAt minus the configured lead (default 60 minutes). */
  readonly verificationOpensAtMs: number;
}

export function windowOf(session: Pick<SessionInfo, 'startsAt' | 'durationMinutes'>, leadMinutes: number): SessionWindow {
  const startsAtMs = Date.parse(session.startsAt);
  return {
    startsAtMs,
    endsAtMs: startsAtMs + session.durationMinutes * 60_000,
    verificationOpensAtMs: startsAtMs - leadMinutes * 60_000,
  };
}
