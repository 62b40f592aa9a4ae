// Run inside a network namespace by hostile-lan.test.ts (node lan-probe.js <command> ...):
// one PC of the exam LAN doing one thing, printing what happened as one JSON line.
import net from 'node:net';
import { Client as FtpClient, FTPError } from 'basic-ftp';
import { generateSigningKeyPair, signingPublicKeyOf } from '../../core/crypto/signing';
import { ProctorClient } from '../sim/proctor/proctor-client';
import { loadCredentials } from '../sim/proctor/credentials-file';
import { sendHeartbeat } from '../sim/proctor/monitor-calls';

type Json = Record<string, unknown>;

async function status(url: string, init: RequestInit = {}): Promise<number> {
  try {
    const r = await fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(10_000) });
    await r.arrayBuffer();
    return r.status;
  } catch {
    return 0;
  }
}

/** The admin surface from a candidate PC: the UI, an admin read, a login, with a forged Host. */
async function admin(base: string): Promise<Json> {
  const json = { 'content-type': 'application/json' };
  const siteHost = new URL(base).host;
  return {
    ui: await status(`${base}/`),
    settings: await status(`${base}/api/settings`),
    login: await status(`${base}/api/auth/login`, { method: 'POST', headers: json, body: JSON.stringify({ username: 'admin', password: '888' }) }),
    // DNS rebinding from the candidate PC: its request claims to be for localhost.
    loginAsLocalhost: await rawStatus(base, `POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1:${siteHost.split(':')[1]}\r\nContent-Type: application/json\r\nContent-Length: 37\r\nConnection: close\r\n\r\n{"username":"admin","password":"888"}`),
  };
}

function rawStatus(base: string, request: string): Promise<number> {
  const u = new URL(base);
  return new Promise((resolve) => {
    const s = net.connect(Number(u.port), u.hostname, () => s.write(request));
    let head = '';
    s.setTimeout(10_000, () => s.destroy());
    s.on('data', (b: Buffer) => (head += b.toString('latin1')));
    s.on('error', () => resolve(0));
    s.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0)));
  });
}

/** Registration-code guessing for one room: every answer's status, and the last Chinese message. */
async function guess(base: string, room: string, tries: number): Promise<Json> {
  const statuses: Record<string, number> = {};
  let lastMessage = '';
  // A well-formed request in every way but the code, so only the guess limit can refuse it.
  const signingPublicKey = signingPublicKeyOf(generateSigningKeyPair().privateKeyPem);
  for (let i = 0; i < tries; i++) {
    const r = await fetch(`${base}/api/proctor/v1/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ roomCode: room, registrationCode: String(100000 + i), machineId: `candidate-pc-${i}`, clientVersion: '1.0.0', signingPublicKey }),
    }).catch(() => null);
    const key = String(r?.status ?? 0);
    statuses[key] = (statuses[key] ?? 0) + 1;
    if (r) lastMessage = ((await r.json().catch(() => ({}))) as { error?: { message?: string } }).error?.message ?? lastMessage;
  }
  return { statuses, lastMessage };
}

/** FTP from a candidate PC: guessed logins, then PORT (active mode) before and without a login. */
async function ftp(host: string, port: number, room: string): Promise<Json> {
  const logins: string[] = [];
  for (let i = 0; i < 5; i++) {
    const c = new FtpClient(10_000);
    try {
      await c.access({ host, port, user: room, password: `guess-${i}` });
      logins.push('accepted');
    } catch (e) {
      logins.push(e instanceof FTPError ? String(e.code) : 'error');
    } finally {
      c.close();
    }
  }
  const port227 = await new Promise<string[]>((resolve) => {
    const replies: string[] = [];
    const s = net.connect(port, host);
    let buf = '';
    const sendNext = (lines: string[]): void => {
      const next = lines.shift();
      if (next === undefined) return void s.end();
      s.write(`${next}\r\n`);
      setTimeout(() => sendNext(lines), 300);
    };
    s.setTimeout(10_000, () => s.destroy());
    s.on('data', (b: Buffer) => {
      buf += b.toString('utf8');
      for (const line of buf.split('\r\n').slice(0, -1)) replies.push(line.slice(0, 3));
      buf = buf.slice(buf.lastIndexOf('\r\n') + 2);
    });
    s.once('connect', () => setTimeout(() => sendNext(['PORT 10,232,0,20,4,1', 'EPRT |1|10.232.0.20|1025|', 'USER anonymous', 'PASS x', 'QUIT']), 300));
    s.on('error', () => resolve(replies));
    s.on('close', () => resolve(replies));
  });
  return { logins, replies: port227 };
}

/**
 * Holds `count` connections in one abuse pattern for `holdMs`: slow headers (a byte of the
 * header every 5 s), a slow TLS handshake (the same on the TLS side of the port), a slow body
 * (declared 1 MB, a byte a second) or idle sockets. Counts
 * how many the site closed itself before the end.
 */
async function flood(base: string, kind: string, count: number, holdMs: number): Promise<Json> {
  const u = new URL(base);
  const sockets: net.Socket[] = [];
  const ours = new Set<net.Socket>();
  let closedBySite = 0;
  let refused = 0;
  const timers: NodeJS.Timeout[] = [];
  for (let i = 0; i < count; i++) {
    const s = net.connect(Number(u.port), u.hostname);
    s.once('error', () => refused++);
    s.once('close', () => {
      if (!ours.has(s)) closedBySite++;
    });
    s.once('connect', () => {
      if (kind === 'slow-headers') {
        s.write(`GET /api/public/info HTTP/1.1\r\nHost: ${u.host}\r\n`);
        timers.push(setInterval(() => s.writable && s.write('X'), 5000));
      } else if (kind === 'slow-tls') {
        // A TLS handshake record header announcing 512 bytes, then a byte every 5 s.
        s.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]));
        timers.push(setInterval(() => s.writable && s.write(Buffer.from([0])), 5000));
      } else if (kind === 'slow-body') {
        s.write(`POST /api/proctor/v1/register HTTP/1.1\r\nHost: ${u.host}\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{`);
        timers.push(setInterval(() => s.writable && s.write(' '), 1000));
      }
    });
    sockets.push(s);
  }
  await new Promise((r) => setTimeout(r, holdMs));
  for (const t of timers) clearInterval(t);
  const open = sockets.filter((s) => !s.destroyed).length;
  for (const s of sockets) {
    ours.add(s);
    s.destroy();
  }
  return { kind, opened: count, closedBySite, stillOpen: open, refused };
}

/** The registered proctor PC: a heartbeat every 250 ms for `ms`; latencies and errors. */
async function beats(credentialsFile: string, ms: number): Promise<Json> {
  const creds = await loadCredentials(credentialsFile);
  if (!creds) throw new Error(`no credentials in ${credentialsFile}`);
  const client = new ProctorClient(creds.siteUrl, creds);
  const latencies: number[] = [];
  const errors: string[] = [];
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const t = performance.now();
    try {
      await sendHeartbeat(client, { roomCode: creds.roomCode, sessionNo: 1, state: 'idle', counts: { candidates: 0, loggedIn: 0, inExam: 0, submitted: 0 }, dataImported: true });
      latencies.push(performance.now() - t);
    } catch (e) {
      errors.push((e as Error).message);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  latencies.sort((a, b) => a - b);
  return { count: latencies.length, max: latencies.at(-1) ?? null, p99: latencies[Math.floor(latencies.length * 0.99)] ?? null, errors };
}

async function main(argv: string[]): Promise<Json> {
  const [cmd, ...a] = argv;
  if (cmd === 'admin') return admin(a[0]!);
  if (cmd === 'guess') return guess(a[0]!, a[1]!, Number(a[2]));
  if (cmd === 'ftp') return ftp(a[0]!, Number(a[1]), a[2]!);
  if (cmd === 'flood') return flood(a[0]!, a[1]!, Number(a[2]), Number(a[3]));
  if (cmd === 'beats') return beats(a[0]!, Number(a[1]));
  throw new Error(`unknown probe command ${String(cmd)}`);
}

main(process.argv.slice(2)).then(
  (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
