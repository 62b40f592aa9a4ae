import { TrustError } from '../../../core/crypto/trust-error';
import { trustErrorStatus } from '../../../core/http/error-catalog';
import { AppError } from '../../../core/http/errors';

/** Runs `work`, turning a TrustError into an HTTP error with the same Chinese message and the usual status. */
export async function withTrustRefusals<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof TrustError) throw new AppError(trustErrorStatus(e.code), e.code, e.message);
    throw e;
  }
}
