import os from 'node:os';
import { Worker, parentPort } from 'node:worker_threads';
import { useChineseZodMessages } from '../config/zod-chinese-messages';
import { AppError } from '../http/errors';

/** What a job's worker answers: its result, or the refusal (or failure) it threw. */
export type WorkerAnswer<R> =
  | { readonly ok: true; readonly result: R }
  | { readonly ok: false; readonly refusal: { readonly status: number; readonly code: string; readonly message: string } | null; readonly message: string };

interface JobMessage<J> {
  readonly id: number;
  readonly job: J;
}

interface AnswerMessage<R> {
  readonly id: number;
  readonly answer: WorkerAnswer<R>;
}

interface Pending<J, R> {
  readonly id: number;
  readonly job: J;
  resolve(r: R): void;
  reject(e: unknown): void;
}

/** How long a worker with nothing to do stays (a burst of uploads reuses it; then its heap goes). */
const IDLE_MS = 5_000;

/**
 * CPU work off the event loop that answers proctors and the UI (ADR 016, ADR 020): jobs run
 * in at most `size` worker threads (`script`: a compiled file whose body is
 * `answerWorkerJobs(work)`); more wait in order — threads beyond the machine's cores add
 * memory (each has its own heap), not speed. A worker takes job after job and ends after
 * IDLE_MS without one; it never keeps the process alive. A refusal keeps its status, code
 * and Chinese message exactly (rebuilt as the same AppError); a worker that dies fails its job.
 */
export class WorkerPool<J, R> {
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Pending<J, R>>();
  private readonly queue: Pending<J, R>[] = [];
  private readonly timers = new Map<Worker, NodeJS.Timeout>();
  private nextId = 1;

  constructor(
    private readonly script: string,
    readonly size: number = Math.max(1, os.availableParallelism()),
  ) {}

  run(job: J): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, job, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let worker = this.idle.pop();
      if (!worker) {
        if (this.busy.size >= this.size) return;
        worker = this.start();
      }
      clearTimeout(this.timers.get(worker));
      this.timers.delete(worker);
      const next = this.queue.shift()!;
      this.busy.set(worker, next);
      worker.ref();
      worker.postMessage({ id: next.id, job: next.job } satisfies JobMessage<J>);
    }
  }

  private start(): Worker {
    const worker = new Worker(this.script);
    worker.on('message', (m: AnswerMessage<R>) => {
      const done = this.busy.get(worker);
      if (!done || done.id !== m.id) return;
      this.busy.delete(worker);
      const a = m.answer;
      if (a.ok) done.resolve(a.result);
      else if (a.refusal) done.reject(new AppError(a.refusal.status, a.refusal.code, a.refusal.message));
      else done.reject(new Error(a.message));
      this.rest(worker);
      this.dispatch();
    });
    const fail = (e: Error): void => {
      this.forget(worker);
      this.busy.get(worker)?.reject(e);
      this.busy.delete(worker);
      this.dispatch();
    };
    worker.once('error', fail);
    worker.once('exit', (code) => fail(new Error(`数据包校验线程意外退出（代码 ${code}）`)));
    return worker;
  }

  /** Idle: unref'd (never keeps the process alive) and ended after IDLE_MS. */
  private rest(worker: Worker): void {
    worker.unref();
    this.idle.push(worker);
    const timer = setTimeout(() => {
      this.forget(worker);
      void worker.terminate();
    }, IDLE_MS);
    timer.unref();
    this.timers.set(worker, timer);
  }

  private forget(worker: Worker): void {
    clearTimeout(this.timers.get(worker));
    this.timers.delete(worker);
    const i = this.idle.indexOf(worker);
    if (i >= 0) this.idle.splice(i, 1);
  }
}

/** The body of a pool's worker script: answers each job it is sent with `work`. */
export function answerWorkerJobs<J, R>(work: (job: J) => Promise<R>): void {
  // A worker has its own module instances: zod's Chinese messages are configured here too.
  useChineseZodMessages();
  const answer = async (job: J): Promise<WorkerAnswer<R>> => {
    try {
      return { ok: true, result: await work(job) };
    } catch (e) {
      const refusal = e instanceof AppError ? { status: e.status, code: e.code, message: e.message } : null;
      return { ok: false, refusal, message: e instanceof Error ? e.message : String(e) };
    }
  };
  parentPort!.on('message', (m: JobMessage<J>) => {
    void answer(m.job).then((a) => parentPort!.postMessage({ id: m.id, answer: a } satisfies AnswerMessage<R>));
  });
}
