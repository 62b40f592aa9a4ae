import os from 'node:os';

/**
 * The host proctor PCs reach this site at: the configured public host, else the first
 * non-internal IPv4 address of this PC, else `fallbackHost` (e.g. the address a request came in on).
 */
export function siteLanHost(publicHost: string, fallbackHost: string): string {
  return publicHost.trim() || firstLanIpv4() || fallbackHost;
}

/**
 * `http://<siteLanHost>:<port>`: the address proctors are told (sheets, start banner); with
 * `https`, the same port over TLS with the site certificate (core/net/site-certificate.ts).
 */
export function siteLanUrl(publicHost: string, port: number, fallbackHost: string, scheme: 'http' | 'https' = 'http'): string {
  return `${scheme}://${siteLanHost(publicHost, fallbackHost)}:${port}`;
}

function firstLanIpv4(): string | null {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.family === 'IPv4' && !a.internal) return a.address;
    }
  }
  return null;
}
