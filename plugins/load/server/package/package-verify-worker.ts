import { answerWorkerJobs } from '../../../../core/threads/worker-job';
import { verifyPackageStructure } from './package-verifier';
import type { StructureJob } from './package-verify-thread';

/** The worker thread's body (package-verify-thread.ts): verify, answer once, end. */
answerWorkerJobs((job: StructureJob) => verifyPackageStructure(job.file, job.ctx));
