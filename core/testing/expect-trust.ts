import { expect } from 'chai';
import { TrustError } from '../crypto/trust-error';

/**
 * Test assertions for refused trust inputs: the refusal is a TrustError with the expected
 * code and a message in Chinese (the operator reads it). Each returns the error for
 * further checks on its wording.
 */
export function expectTrustError(e: unknown, code: string): TrustError {
  expect(e, e instanceof Error ? e.stack : String(e)).to.be.instanceOf(TrustError);
  const te = e as TrustError;
  expect(te.code).to.equal(code);
  expect(te.message).to.match(/[\u4e00-\u9fff]/);
  return te;
}

/** `fn` must throw a TrustError with `code`. */
export function expectTrustThrown(fn: () => unknown, code: string): TrustError {
  try {
    fn();
  } catch (e) {
    return expectTrustError(e, code);
  }
  throw new Error(`expected TrustError ${code}`);
}

/** `p` must reject with a TrustError with `code`. */
export async function expectTrustRejected(p: Promise<unknown>, code: string): Promise<TrustError> {
  try {
    await p;
  } catch (e) {
    return expectTrustError(e, code);
  }
  throw new Error(`expected TrustError ${code}`);
}
