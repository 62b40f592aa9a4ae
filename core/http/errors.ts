import type { GoTo } from './guidance';

/**
 * Errors a user may see. The message is Chinese and says what is wrong and what to do;
 * the code is stable for clients. Anything else becomes a generic 500 without details.
 */
export class AppError extends Error {
  override name = 'AppError';
  /** The step to do first, for a "请先…" refusal (the UI offers a 前往 button). */
  goTo: GoTo | undefined;
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  /** Names the step the administrator has to do first. */
  needs(goTo: GoTo): this {
    this.goTo = goTo;
    return this;
  }
}

export const badRequest = (code: string, message: string): AppError => new AppError(400, code, message);
export const unauthorized = (code: string, message: string): AppError => new AppError(401, code, message);
export const forbidden = (code: string, message: string): AppError => new AppError(403, code, message);
export const notFound = (code: string, message: string): AppError => new AppError(404, code, message);
export const conflict = (code: string, message: string): AppError => new AppError(409, code, message);
export const tooLarge = (code: string, message: string): AppError => new AppError(413, code, message);
export const unsupportedMediaType = (message: string): AppError => new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', message);
export const tooMany = (message: string, retryAfterSeconds: number): AppError =>
  new AppError(429, 'TOO_MANY_ATTEMPTS', message, { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) });
export const unavailable = (code: string, message: string): AppError => new AppError(503, code, message);

/** Errors from library layers (crypto, dongle, formats) carry a code and a Chinese message. */
export interface CodedError {
  readonly code: string;
  readonly message: string;
  readonly httpStatus?: number;
}

export function isCodedUserError(e: unknown): e is Error & CodedError {
  return (
    e instanceof Error &&
    typeof (e as Partial<CodedError>).code === 'string' &&
    (e as { userFacing?: unknown }).userFacing === true
  );
}

export interface ErrorBody {
  error: { code: string; message: string; requestId?: string; goTo?: GoTo };
}
