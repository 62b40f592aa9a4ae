import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { AppError } from '../../../../core/http/errors';
import type { StructureContext, VerifiedStructure } from './package-verifier';

/** What the worker answers: the verified structure, or the refusal (or failure) it threw. */
export type StructureAnswer =
  | { readonly ok: true; readonly structure: VerifiedStructure }
  | { readonly ok: false; readonly refusal: { readonly status: number; readonly code: string; readonly message: string } | null; readonly message: string };

export interface StructureJob {
  readonly file: string;
  readonly ctx: StructureContext;
}

const WORKER_SCRIPT = path.join(__dirname, 'package-verify-worker.js');

/**
 * Runs the package's structural checks (zip reading, inflate, CRC, SHA-256 of every file,
 * the signature, schema parsing of the manifest and every room file) in a worker thread, so
 * proctors' heartbeats are answered while a 200-room package is imported (issue 11 point 9,
 * ADR 016). One worker per import: imports are rare and the start-up cost is a few tens of ms.
 * A refusal keeps its status, code and Chinese message exactly.
 */
export function verifyStructureInWorker(file: string, ctx: StructureContext): Promise<VerifiedStructure> {
  return new Promise((resolve, reject) => {
    const job: StructureJob = { file, ctx };
    const worker = new Worker(WORKER_SCRIPT, { workerData: job });
    let settled = false;
    worker.once('message', (answer: StructureAnswer) => {
      settled = true;
      void worker.terminate();
      if (answer.ok) resolve(withBuffers(answer.structure));
      else if (answer.refusal) reject(new AppError(answer.refusal.status, answer.refusal.code, answer.refusal.message));
      else reject(new Error(answer.message));
    });
    worker.once('error', (e) => {
      settled = true;
      reject(e);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`数据包校验线程意外退出（代码 ${code}）`));
    });
  });
}

/** Structured cloning turns a Buffer into a plain Uint8Array; the store expects Buffers. */
function withBuffers(s: VerifiedStructure): VerifiedStructure {
  return { ...s, contents: s.contents.map((c) => ({ ...c, bytes: Buffer.from(c.bytes.buffer, c.bytes.byteOffset, c.bytes.byteLength) })) };
}
