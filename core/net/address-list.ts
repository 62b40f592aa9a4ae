import net from 'node:net';

/**
 * Addresses and CIDR ranges (`192.168.1.20`, `10.0.0.0/24`, `fd00::/64`), as written in the
 * configuration. Used by the config schema to refuse a bad entry and by the site boundary
 * to decide who may reach the admin surface.
 */
export function parseAddressEntry(entry: string): { address: string; prefix: number | null; family: 'ipv4' | 'ipv6' } | null {
  const [address, prefixText, ...rest] = entry.trim().split('/');
  if (!address || rest.length > 0) return null;
  const version = net.isIP(address);
  if (version === 0) return null;
  const family = version === 4 ? 'ipv4' : 'ipv6';
  if (prefixText === undefined) return { address, prefix: null, family };
  if (!/^\d{1,3}$/.test(prefixText)) return null;
  const prefix = Number(prefixText);
  if (prefix > (version === 4 ? 32 : 128)) return null;
  return { address, prefix, family };
}

export function isAddressEntry(entry: string): boolean {
  return parseAddressEntry(entry) !== null;
}

/** `::ffff:10.0.0.5` (an IPv4 client on a dual-stack socket) → `10.0.0.5`. */
export function plainAddress(remote: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(remote);
  return mapped ? mapped[1]! : remote;
}

export function isLoopback(remote: string): boolean {
  const a = plainAddress(remote);
  return a === '::1' || (net.isIPv4(a) && a.startsWith('127.'));
}

/** A set of addresses and ranges, matched against a socket's remote address. */
export class AddressList {
  private readonly list = new net.BlockList();

  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const parsed = parseAddressEntry(entry);
      if (!parsed) throw new Error(`不是有效的地址或网段：${entry}`);
      if (parsed.prefix === null) this.list.addAddress(parsed.address, parsed.family);
      else this.list.addSubnet(parsed.address, parsed.prefix, parsed.family);
    }
  }

  has(remote: string): boolean {
    const a = plainAddress(remote);
    const version = net.isIP(a);
    if (version === 0) return false;
    return this.list.check(a, version === 4 ? 'ipv4' : 'ipv6');
  }
}
