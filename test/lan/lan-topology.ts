import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';

/**
 * A small exam LAN on this machine (Linux network namespaces, needs root): a bridge in the
 * site PC's namespace carrying the site's LAN address, and one namespace per other PC — a
 * candidate PC (hostile) and a registered proctor PC — each with its own address, so the
 * site sees real remote addresses instead of injected ones (issue 15 point 4).
 */
export interface LanPc {
  readonly ns: string;
  readonly ip: string;
}

export interface ExamLan {
  readonly siteIp: string;
  readonly candidate: LanPc;
  readonly proctor: LanPc;
  /** Runs `node <script> ...args` inside `pc`'s namespace; resolves with its stdout (JSON). */
  runIn<T>(pc: LanPc, script: string, args: readonly string[], timeoutMs?: number): Promise<T>;
  destroy(): void;
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Why the LAN cannot be built here (not root, no `ip`, namespaces refused), or null. */
export function lanUnavailable(): string | null {
  if (process.platform !== 'linux') return '需要 Linux 网络命名空间';
  if (process.getuid?.() !== 0) return '需要 root（ip netns）';
  try {
    const probe = `exlan-probe-${process.pid}`;
    ip('netns', 'add', probe);
    ip('netns', 'del', probe);
    return null;
  } catch (e) {
    return `无法创建网络命名空间：${(e as Error).message.split('\n')[0]}`;
  }
}

export function buildExamLan(subnet = 10 + (process.pid % 200)): ExamLan {
  const tag = (process.pid % 100000).toString(36);
  const bridge = `exbr${tag}`;
  const net = `10.232.${subnet}`;
  const siteIp = `${net}.1`;
  const pcs: LanPc[] = [
    { ns: `excand${tag}`, ip: `${net}.20` },
    { ns: `exproc${tag}`, ip: `${net}.30` },
  ];
  const links: string[] = [];
  const destroy = (): void => {
    for (const pc of pcs) {
      try {
        ip('netns', 'del', pc.ns);
      } catch {
        // already gone
      }
    }
    for (const l of [...links, bridge]) {
      try {
        ip('link', 'del', l);
      } catch {
        // already gone (a veth goes with its namespace)
      }
    }
  };
  try {
    ip('link', 'add', bridge, 'type', 'bridge');
    ip('addr', 'add', `${siteIp}/24`, 'dev', bridge);
    ip('link', 'set', bridge, 'up');
    pcs.forEach((pc, i) => {
      const host = `exh${tag}${i}`;
      const peer = `exp${tag}${i}`;
      links.push(host);
      ip('netns', 'add', pc.ns);
      ip('link', 'add', host, 'type', 'veth', 'peer', 'name', peer);
      ip('link', 'set', peer, 'netns', pc.ns);
      ip('link', 'set', host, 'master', bridge);
      ip('link', 'set', host, 'up');
      ip('netns', 'exec', pc.ns, 'ip', 'addr', 'add', `${pc.ip}/24`, 'dev', peer);
      ip('netns', 'exec', pc.ns, 'ip', 'link', 'set', peer, 'up');
      ip('netns', 'exec', pc.ns, 'ip', 'link', 'set', 'lo', 'up');
    });
  } catch (e) {
    destroy();
    throw e;
  }
  return {
    siteIp,
    candidate: pcs[0]!,
    proctor: pcs[1]!,
    runIn: <T>(pc: LanPc, script: string, args: readonly string[], timeoutMs = 60_000): Promise<T> =>
      new Promise<T>((resolve, reject) => {
        const child = spawn('ip', ['netns', 'exec', pc.ns, process.execPath, path.resolve(script), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
        child.stderr.on('data', (b: Buffer) => (err += b.toString('utf8')));
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        child.once('exit', (code) => {
          clearTimeout(timer);
          if (code !== 0) return reject(new Error(`${path.basename(script)} ${args[0] ?? ''} in ${pc.ns} exited ${String(code)}: ${err || out}`));
          try {
            // One JSON value: a single line (the probe) or pretty-printed (the proctor CLI's --json).
            resolve(JSON.parse(out.trim()) as T);
          } catch {
            reject(new Error(`${path.basename(script)} printed no JSON: ${out} ${err}`));
          }
        });
      }),
    destroy,
  };
}
