// Load generator of `npm run bench -- lan`, in a worker thread so its timing does not share
// an event loop with the bench's page subscribers and package uploads. Plain node:http with
// keep-alive agents: one socket per simulated proctor PC (open mode, as 1,000 real PCs), or
// a fixed number of connections sending back to back (closed mode, for throughput).
import http from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

export interface LoadProctor {
  readonly roomCode: string;
  readonly token: string;
}

export interface LoadJob {
  readonly url: string;
  readonly path: string;
  readonly proctors: readonly LoadProctor[];
  /** open: every proctor beats once per `periodMs`; closed: `connections` loops as fast as answered. */
  readonly mode: 'open' | 'closed';
  readonly seconds: number;
  readonly periodMs?: number;
  readonly connections?: number;
  /** A request without an answer after this counts as an error. Default 5 s. */
  readonly timeoutMs?: number;
}

/** One result per request, as columns (cheap to post back). */
export interface LoadResult {
  /** performance.timeOrigin + now() at send (ms, comparable across threads). */
  readonly sentAt: Float64Array;
  readonly latencyMs: Float32Array;
  readonly ok: Uint8Array;
  readonly proctor: Uint16Array;
  /** The loggedIn value the beat carried (page latency matching). */
  readonly marker: Uint8Array;
  readonly count: number;
  /** Worst lateness of the generator's own schedule (ms): shows it was not the bottleneck. */
  readonly maxScheduleLagMs: number;
  readonly firstErrors: readonly string[];
}

/** 0…12: changes with every beat of a proctor, so a page event names the beat it shows. */
export const MARKER_CYCLE = 13;

export function heartbeatBody(roomCode: string, marker: number): string {
  return JSON.stringify({ roomCode, sessionNo: 1, state: 'started', counts: { candidates: 12, loggedIn: marker, inExam: marker, submitted: 0 }, dataImported: true });
}

function run(job: LoadJob): Promise<LoadResult> {
  const target = new URL(job.url);
  const capacity = job.mode === 'open' ? Math.ceil(job.proctors.length * (job.seconds * 1000) / (job.periodMs ?? 1000)) + job.proctors.length : 2_000_000;
  const sentAt = new Float64Array(capacity);
  const latencyMs = new Float32Array(capacity);
  const ok = new Uint8Array(capacity);
  const proctorOf = new Uint16Array(capacity);
  const marker = new Uint8Array(capacity);
  const firstErrors: string[] = [];
  let count = 0;
  let inFlight = 0;
  let maxScheduleLagMs = 0;
  const seq = new Uint32Array(job.proctors.length);
  const t0 = performance.now();
  const deadline = t0 + job.seconds * 1000;

  const agents =
    job.mode === 'open'
      ? job.proctors.map(() => new http.Agent({ keepAlive: true, maxSockets: 1 }))
      : [new http.Agent({ keepAlive: true, maxSockets: job.connections ?? 32 })];

  const send = (p: number, agent: http.Agent, done: () => void): void => {
    const i = count++;
    const proctor = job.proctors[p]!;
    const m = seq[p]! % MARKER_CYCLE;
    seq[p]!++;
    const body = heartbeatBody(proctor.roomCode, m);
    const start = performance.now();
    sentAt[i] = performance.timeOrigin + start;
    proctorOf[i] = p;
    marker[i] = m;
    inFlight++;
    let finished = false;
    const finish = (good: boolean, why?: string): void => {
      if (finished) return;
      finished = true;
      inFlight--;
      latencyMs[i] = performance.now() - start;
      ok[i] = good ? 1 : 0;
      if (!good && why && firstErrors.length < 5) firstErrors.push(why);
      done();
    };
    const req = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: job.path,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${proctor.token}` },
        timeout: job.timeoutMs ?? 5000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => finish(res.statusCode === 200, res.statusCode === 200 ? undefined : `HTTP ${res.statusCode}: ${text.slice(0, 200)}`));
        res.on('error', (e) => finish(false, e.message));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => finish(false, e.message));
    req.end(body);
  };

  return new Promise((resolve) => {
    const result = (): LoadResult => {
      for (const a of agents) a.destroy();
      return { sentAt, latencyMs, ok, proctor: proctorOf, marker, count, maxScheduleLagMs, firstErrors };
    };
    if (job.mode === 'closed') {
      // Each connection has one request in flight; the last one to see the deadline resolves.
      let active = job.connections ?? 32;
      let next = 0;
      const loop = (): void => {
        if (performance.now() >= deadline || count >= capacity) {
          if (--active === 0) resolve(result());
          return;
        }
        send(next++ % job.proctors.length, agents[0]!, loop);
      };
      for (let c = 0, n = active; c < n; c++) loop();
      return;
    }
    // Open loop: beat n of the whole schedule is due at t0 + n × period / N, for proctor n mod N.
    const n = job.proctors.length;
    const period = job.periodMs ?? 1000;
    let k = 0;
    const tick = (): void => {
      const now = performance.now();
      while (t0 + (k * period) / n <= now && t0 + (k * period) / n < deadline) {
        maxScheduleLagMs = Math.max(maxScheduleLagMs, now - (t0 + (k * period) / n));
        const p = k % n;
        if (count < capacity) send(p, agents[p]!, () => undefined);
        k++;
      }
      if (t0 + (k * period) / n >= deadline) {
        const drain = (): void => (inFlight === 0 ? resolve(result()) : void setTimeout(drain, 5));
        drain();
        return;
      }
      setTimeout(tick, Math.max(0, t0 + (k * period) / n - performance.now()));
    };
    tick();
  });
}

if (parentPort && workerData) {
  const port = parentPort;
  void run(workerData as LoadJob).then((r) => port.postMessage(r));
}
