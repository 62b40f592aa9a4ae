import { parentPort, workerData } from 'node:worker_threads';
import { useChineseZodMessages } from '../../../../core/config/zod-chinese-messages';
import { AppError } from '../../../../core/http/errors';
import { verifyPackageStructure } from './package-verifier';
import type { StructureAnswer, StructureJob } from './package-verify-thread';

/** The worker thread's body (package-verify-thread.ts): verify, answer once, end. */
async function answer(job: StructureJob): Promise<StructureAnswer> {
  try {
    return { ok: true, structure: await verifyPackageStructure(job.file, job.ctx) };
  } catch (e) {
    const refusal = e instanceof AppError ? { status: e.status, code: e.code, message: e.message } : null;
    return { ok: false, refusal, message: e instanceof Error ? e.message : String(e) };
  }
}

// A worker has its own module instances: zod's Chinese messages are configured here too.
useChineseZodMessages();
void answer(workerData as StructureJob).then((a) => parentPort!.postMessage(a));
