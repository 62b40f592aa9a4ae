import { TrustError } from '../../../core/crypto/trust-error';
import { AppError } from '../../../core/http/errors';

const STATUS_BY_CODE: Record<string, number> = {
  DONGLE_ABSENT: 503,
  DONGLE_IO: 503,
  DONGLE_SOFT_FORMAL: 403,
};

/** Runs `work`, turning a TrustError into an HTTP error with the same Chinese message. */
export async function withTrustRefusals<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof TrustError) throw new AppError(STATUS_BY_CODE[e.code] ?? 400, e.code, e.message);
    throw e;
  }
}
