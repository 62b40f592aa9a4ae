import path from 'node:path';
import { WorkerPool } from '../../../core/threads/worker-job';
import type { ResultManifest } from '../api/result-package-format';
import type { ExpectedResult } from './result-package-verifier';

export interface ResultVerifyJob {
  readonly file: string;
  readonly expected: ExpectedResult;
}

/**
 * 50 proctors may finish at once: their packages are checked in order in one thread, off
 * the event loop that receives the other uploads (issue 12 point 10, ADR 020). One thread:
 * the receiving thread is the other core's work, and each thread costs its own heap (RSS).
 */
const verifyPool = new WorkerPool<ResultVerifyJob, ResultManifest>(path.join(__dirname, 'result-verify-worker.js'), 1);

/** verifyResultPackage in a worker thread: the same checks, the same Chinese refusals. */
export function verifyResultPackageInWorker(file: string, expected: ExpectedResult): Promise<ResultManifest> {
  return verifyPool.run({ file, expected });
}
