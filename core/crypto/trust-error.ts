import type { GoTo } from '../http/guidance';
/**
 * The one error type for refused trust decisions: bad signatures, foreign or expired inputs,
 * a missing or unsuitable dongle. Its message is Chinese and user-facing (what is wrong and
 * what to do); the HTTP layer maps it to 400/403 by `code`, never by parsing the message.
 */
export const TRUST_ERROR_CODES = [
  'ENVELOPE_MALFORMED',
  'KEY_UNKNOWN',
  'SIGNATURE_INVALID',
  'TRUSTED_KEY_INVALID',
  'DECRYPT_FAILED',
  'WRAPPED_KEY_MALFORMED',
  'DONGLE_ABSENT',
  'DONGLE_SOFT_FORMAL',
  'DONGLE_SOFT_CORRUPT',
  'DONGLE_IO',
  'DONGLE_REFUSED',
  'CLOCK_UNCALIBRATED',
  'TOKEN_INVALID',
  'TOKEN_FOREIGN_DONGLE',
  'TOKEN_EXPIRED',
  'TOKEN_REPLAYED',
  'TOKEN_NONCE_MISMATCH',
] as const;

/** Known codes; other modules may add their own (`string & {}` keeps autocompletion). */
export type TrustErrorCode = (typeof TRUST_ERROR_CODES)[number] | (string & {});

export class TrustError extends Error {
  constructor(
    readonly code: TrustErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TrustError';
  }

  /** The step to do first, for a "请先…" refusal (the UI offers a 前往 button). */
  goTo: GoTo | undefined;

  needs(goTo: GoTo): this {
    this.goTo = goTo;
    return this;
  }
}

export function isTrustError(e: unknown, code?: TrustErrorCode): e is TrustError {
  return e instanceof TrustError && (code === undefined || e.code === code);
}
