import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '../../core/testing/free-port';

/** The built product's entry point, as `npm run serve` starts it. */
export const PRODUCT_MAIN = path.resolve(__dirname, '../../core/host/main.js');

export interface ProductOptions {
  readonly dataDir: string;
  readonly centreKeys?: readonly string[];
  readonly centreUrl?: string;
  readonly env?: Readonly<Record<string, string>>;
  /** Options for node itself (e.g. --cpu-prof, which NODE_OPTIONS does not accept). */
  readonly nodeArgs?: readonly string[];
  /** How long to wait for the 已启动 line. */
  readonly readyTimeoutMs?: number;
}

/** One pino line of the product's log. */
export interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [key: string]: unknown;
}

/**
 * The real product as a child process (node dist/core/host/main.js), on a port picked
 * here, with its JSON log parsed so tests can wait for lines such as 已启动.
 */
export class ProductProcess {
  readonly lines: LogLine[] = [];
  readonly stderr: string[] = [];
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private waiters: { test: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];

  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
    readonly startedAt: number,
  ) {
    let buffered = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const text = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        let line: LogLine;
        try {
          line = JSON.parse(text) as LogLine;
        } catch {
          line = { level: 30, msg: text };
        }
        this.lines.push(line);
        this.waiters = this.waiters.filter((w) => {
          if (!w.test(line)) return true;
          w.resolve(line);
          return false;
        });
      }
    });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => this.stderr.push(chunk));
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  static async start(o: ProductOptions): Promise<ProductProcess> {
    const port = await freePort();
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      EXAMSITE_DATA: o.dataDir,
      EXAMSITE_HOST: '127.0.0.1',
      EXAMSITE_PORT: String(port),
      EXAMSITE_COLLECTION_FTP_PORT: '0',
      EXAMSITE_DONGLE: 'soft',
      EXAMSITE_LOG_LEVEL: 'info',
      EXAMSITE_CENTRE_KEYS: (o.centreKeys ?? []).join(','),
      ...(o.centreUrl ? { EXAMSITE_CENTRE_URL: o.centreUrl } : {}),
      ...o.env,
    };
    const startedAt = performance.now();
    const child = spawn(process.execPath, [...(o.nodeArgs ?? []), PRODUCT_MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const p = new ProductProcess(child, `http://127.0.0.1:${port}`, startedAt);
    try {
      // The site's own ready line (plugins log their services starting too, e.g. FTP).
      await p.waitForLog((l) => l.msg.startsWith('考点管理系统已启动'), o.readyTimeoutMs ?? 20_000);
    } catch (e) {
      p.kill('SIGKILL');
      await p.exit();
      throw new Error(`${(e as Error).message}\nstderr: ${p.stderr.join('')}\nlog: ${p.lines.slice(-5).map((l) => l.msg).join(' | ')}`);
    }
    return p;
  }

  /** Resolves with the first log line (already seen or coming) that passes `test`. */
  waitForLog(test: (l: LogLine) => boolean, timeoutMs: number): Promise<LogLine> {
    const seen = this.lines.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`日志中未在 ${timeoutMs} ms 内出现期望的行`)), timeoutMs);
      const dead = (): void => {
        clearTimeout(timer);
        reject(new Error(`产品进程已退出（code ${String(this.child.exitCode)}）`));
      };
      this.child.once('exit', dead);
      this.waiters.push({
        test,
        resolve: (l) => {
          clearTimeout(timer);
          this.child.off('exit', dead);
          resolve(l);
        },
      });
    });
  }

  kill(signal: NodeJS.Signals): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }

  exit(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return this.exited;
  }

  /** SIGKILL and wait until the process is gone (no chance to clean anything up). */
  async crash(): Promise<void> {
    this.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM (the product's graceful stop) and wait; SIGKILL if it hangs. */
  async stop(timeoutMs = 10_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.kill('SIGTERM');
    const timer = setTimeout(() => this.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Every file under a folder, relative to it (for temp-file and copy checks). */
export function filesUnder(dir: string, base = dir): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(p, base));
    else out.push(path.relative(base, p));
  }
  return out;
}
