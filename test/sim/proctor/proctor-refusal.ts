import { ProctorApiError } from './proctor-client';

/** Awaits a proctor call that the site must refuse and returns the refusal (tests). */
export async function proctorRefusal(p: Promise<unknown>): Promise<ProctorApiError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ProctorApiError) return e;
    throw e;
  }
  throw new Error('expected the site to refuse');
}
