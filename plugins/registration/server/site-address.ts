import os from 'node:os';

/**
 * The address proctor PCs reach this site at: the configured public host, else the first
 * non-internal IPv4 address of this PC, else the address the request came in on.
 */
export function siteLanUrl(publicHost: string, port: number, fallbackHost: string): string {
  const host = publicHost.trim() || firstLanIpv4() || fallbackHost;
  return `http://${host}:${port}`;
}

function firstLanIpv4(): string | null {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.family === 'IPv4' && !a.internal) return a.address;
    }
  }
  return null;
}
