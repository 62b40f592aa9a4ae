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
  process.on('message', (m: { peak?: boolean; stop?: boolean }) => {
    if (m.peak) process.send?.({ peak: peakRssBytes() });
    if (m.stop) shutDown();
  });
  // The bench killed us after a failed leg: still leave no data folder (gigabytes) behind.
  process.once('SIGTERM', shutDown);
}

void main();
