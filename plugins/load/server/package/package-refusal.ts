import { AppError } from '../../../../core/http/errors';

/**
 * A package that is refused: HTTP 422 with a stable code and a Chinese message saying what
 * is wrong and what to do. Nothing is stored when one is thrown.
 */
export function packageRefused(code: string, message: string): AppError {
  return new AppError(422, code, message);
}
