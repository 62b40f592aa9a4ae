import 'reflect-metadata';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { makeTempDir } from '../core/testing/test-server';
import { startFtpSite } from '../test/integration/collection/ftp-harness';
import type { ProctorCredentials } from '../test/sim/proctor/credentials-file';

/**
 * The server side of `npm run bench -- upload`, in its own process so its peak RSS is the
 * server's alone. `sink`: a plain Node stream-to-disk TCP sink (the baseline); `site`: the
 * product (real collection plugin: tus over HTTP, FTP, ResultIntake) with every room registered. Answers on IPC with what the
 * clients need; `peak` asks for VmHWM.
 */
export interface UploadSiteReady {
  /** The sink's TCP port, or the site's FTP port. */
  readonly port: number;
  readonly tokens: Record<string, string>;
  /** Per room the registered proctor's credentials (with its signing key), so the client can write real packages. */
  readonly credentials: Record<string, ProctorCredentials>;
  readonly siteUrl: string;
}

/** What the server spent and held between the bench's `mark` (start of the timed window) and `peak`. */
export interface ServerWindow {
  /** Peak RSS of the whole process life (VmHWM), bytes. */
  readonly peakRss: number;
  /** CPU time of every thread (user + system) since the mark, ms. */
  readonly cpuMs: number;
  /** Largest sampled V8 heap in use / memory outside the heap (Buffers) since the mark, bytes. */
  readonly peakHeapUsed: number;
  readonly peakExternal: number;
}

/** Samples memoryUsage every 100 ms from the mark: which part of the RSS grows with the uploads. */
class WindowMeter {
  private cpu = process.cpuUsage();
  private heap = 0;
  private external = 0;
  private readonly timer: NodeJS.Timeout;

  constructor() {
    this.timer = setInterval(() => this.sample(), 100);
    this.timer.unref();
  }

  read(): ServerWindow {
    this.sample();
    const cpu = process.cpuUsage(this.cpu);
    return { peakRss: peakRssBytes(), cpuMs: (cpu.user + cpu.system) / 1000, peakHeapUsed: this.heap, peakExternal: this.external };
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private sample(): void {
    const m = process.memoryUsage();
    this.heap = Math.max(this.heap, m.heapUsed);
    this.external = Math.max(this.external, m.external);
  }
}

function peakRssBytes(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : process.memoryUsage().rss;
}

async function startSink(dir: string): Promise<UploadSiteReady> {
  let n = 0;
  const server = net.createServer((socket) => {
    const out = fs.createWriteStream(path.join(dir, `sink-${n++}.bin`));
    socket.pipe(out);
    out.on('finish', () => {
      const fd = fs.openSync(out.path as string, 'r');
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      socket.end('OK');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, tokens: {}, credentials: {}, siteUrl: '' };
}

async function main(): Promise<void> {
  const [mode, roomsArg] = process.argv.slice(2);
  const dataDir = makeTempDir('examsite-bench-upload-');
  let ready: UploadSiteReady;
  let stop: () => Promise<void> = async () => undefined;
  if (mode === 'sink') {
    ready = await startSink(dataDir);
  } else {
    const site = await startFtpSite({ dataDir, rooms: Number(roomsArg) });
    stop = () => site.stop();
    ready = {
      port: site.ftpPort,
      tokens: Object.fromEntries(site.tokens),
      credentials: Object.fromEntries(site.rooms.map((room) => [room, site.proctor(room).credentials!])),
      siteUrl: site.server.url,
    };
  }
  process.send?.({ ready });
  const shutDown = (): void => {
    void stop().finally(() => {
      fs.rmSync(dataDir, { recursive: true, force: true });
      process.exit(0);
    });
  };
  let meter: WindowMeter | null = null;
  process.on('message', (m: { mark?: boolean; peak?: boolean; stop?: boolean }) => {
    if (m.mark) {
      meter?.stop();
      meter = new WindowMeter();
      process.send?.({ marked: true });
    }
    if (m.peak) process.send?.({ window: (meter ?? new WindowMeter()).read() });
    if (m.stop) shutDown();
  });
  // The bench killed us after a failed leg: still leave no data folder (gigabytes) behind.
  process.once('SIGTERM', shutDown);
}

void main();
