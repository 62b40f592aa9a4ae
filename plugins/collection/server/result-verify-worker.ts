import { answerWorkerJobs } from '../../../core/threads/worker-job';
import { verifyResultPackage } from './result-package-verifier';
import type { ResultVerifyJob } from './result-verify-thread';

/** The worker thread's body (result-verify-thread.ts): each job is one package to check. */
answerWorkerJobs((job: ResultVerifyJob) => verifyResultPackage(job.file, job.expected));
