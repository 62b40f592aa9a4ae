import path from 'node:path';
import { WorkerPool } from '../../../../core/threads/worker-job';
import type { StructureContext, VerifiedStructure } from './package-verifier';

export interface StructureJob {
  readonly file: string;
  readonly ctx: StructureContext;
}

/** Imports are rare: one thread, ended when idle (core/threads/worker-job.ts). */
const structurePool = new WorkerPool<StructureJob, VerifiedStructure>(path.join(__dirname, 'package-verify-worker.js'), 1);

/**
 * Runs the package's structural checks (zip reading, inflate, CRC, SHA-256 of every file,
 * the signature, schema parsing of the manifest and every room file) in a worker thread, so
 * proctors' heartbeats are answered while a 200-room package is imported (issue 11 point 9,
 * ADR 016). A refusal keeps its status, code and Chinese message exactly.
 */
export async function verifyStructureInWorker(file: string, ctx: StructureContext): Promise<VerifiedStructure> {
  return withBuffers(await structurePool.run({ file, ctx }));
}

/** Structured cloning turns a Buffer into a plain Uint8Array; the store expects Buffers. */
function withBuffers(s: VerifiedStructure): VerifiedStructure {
  return { ...s, contents: s.contents.map((c) => ({ ...c, bytes: Buffer.from(c.bytes.buffer, c.bytes.byteOffset, c.bytes.byteLength) })) };
}
