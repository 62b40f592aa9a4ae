import net from 'node:net';
import os from 'node:os';
import type { Context, Next } from 'koa';
import { AddressList, isLoopback, plainAddress } from '../net/address-list';
import { AppError, forbidden } from './errors';

/** Who may reach a route: the site PC itself (default) or any PC of the exam LAN. */
export type RouteReach = 'site-pc' | 'lan';

export interface SiteBoundaryOptions {
  /** Extra names of this server: the configured bind address and public LAN address/host. */
  readonly ownNames: readonly string[];
  /** Addresses / CIDR ranges besides loopback that may use the admin surface. */
  readonly adminAllowFrom: readonly string[];
  /** Whether a request (method + path) goes to a route open to the LAN. */
  readonly isLanRoute: (method: string, path: string) => boolean;
  /** The machine's own interface addresses (a proctor may reach the site by its LAN IP); injectable for tests. */
  readonly interfaceAddresses?: () => readonly string[];
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The LAN is hostile (candidate PCs share it): one layer in front of every route decides
 * whether a request may go on at all.
 * - The Host header must name this server (a DNS-rebinding page names its own domain).
 * - The admin UI and API answer the site PC (loopback) and allow-listed addresses only;
 *   routes declared `reach: 'lan'` (the published proctor protocol) answer everyone.
 * - Admin API calls from a browser must come from the admin UI's own origin: another port
 *   of the same host is same-site, so the SameSite=Strict cookie alone does not stop it.
 */
export class SiteBoundary {
  private readonly admins: AddressList;
  private readonly names: ReadonlySet<string>;

  constructor(private readonly options: SiteBoundaryOptions) {
    this.admins = new AddressList(options.adminAllowFrom);
    const interfaces = options.interfaceAddresses ?? localInterfaceAddresses;
    this.names = new Set(
      ['localhost', '127.0.0.1', '::1', ...options.ownNames, ...interfaces()]
        .map((n) => normalizeHostName(n))
        .filter((n) => n !== '' && n !== '0.0.0.0' && n !== '::'),
    );
  }

  isOwnHost(hostHeader: string): boolean {
    const name = hostNameOf(hostHeader);
    return name !== null && this.names.has(name);
  }

  mayAdminister(remoteAddress: string): boolean {
    return isLoopback(remoteAddress) || this.admins.has(remoteAddress);
  }

  middleware() {
    return async (ctx: Context, next: Next): Promise<void> => {
      if (!this.isOwnHost(ctx.get('host'))) {
        refuse(ctx, forbidden('HOST_NOT_ALLOWED', '请求使用的主机名不是本考点服务器的地址，已拒绝。请用考点服务器的 IP 地址访问'));
        return;
      }
      if (this.options.isLanRoute(ctx.method, ctx.path)) return next();
      if (!this.mayAdminister(ctx.req.socket.remoteAddress ?? '')) {
        refuse(ctx, forbidden('ADMIN_SITE_PC_ONLY', '管理界面只能在考点服务器本机上使用（在本机浏览器打开 http://127.0.0.1 加端口号）。如需从其他电脑管理，请联系技术人员把该电脑的地址加入允许名单'));
        return;
      }
      if (ctx.path.startsWith('/api/')) this.checkSameOrigin(ctx);
      return next();
    };
  }

  /** Same-origin only for the admin API; state changes must also say where they come from. */
  private checkSameOrigin(ctx: Context): void {
    const fetchSite = ctx.get('sec-fetch-site').toLowerCase();
    const origin = ctx.get('origin');
    const crossSite = fetchSite === 'same-site' || fetchSite === 'cross-site';
    const foreignOrigin = origin !== '' && origin.toLowerCase() !== `${ctx.protocol}://${ctx.get('host')}`.toLowerCase();
    const stateChanging = STATE_CHANGING.has(ctx.method);
    const unproven = stateChanging && origin === '' && fetchSite !== 'same-origin';
    if (crossSite || foreignOrigin || unproven || (stateChanging && fetchSite === 'none')) {
      throw forbidden('CROSS_ORIGIN_REFUSED', '此操作只接受考点管理界面本身发出的请求，已拒绝。请在考点服务器本机的管理界面中操作');
    }
  }
}

/** API paths get the JSON error body; pages get a short Chinese page instead of raw JSON. */
function refuse(ctx: Context, error: AppError): void {
  if (ctx.path.startsWith('/api/')) throw error;
  ctx.status = error.status;
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = `<!doctype html><meta charset="utf-8"><title>考点管理系统</title><p>${error.message}</p>`;
}

/** `Host: [::1]:9190` → `::1`; `Host: Example.lan:9190` → `example.lan`; null when malformed. */
export function hostNameOf(hostHeader: string): string | null {
  const h = hostHeader.trim().toLowerCase();
  if (h === '') return null;
  const bracketed = /^\[([0-9a-f:.]+)\](?::\d{1,5})?$/.exec(h);
  if (bracketed) return bracketed[1]!;
  const plain = /^([a-z0-9.-]+)(?::\d{1,5})?$/.exec(h);
  return plain ? plain[1]! : null;
}

/** A configured name (`::1`, `[::1]`, `kaodian.lan`, `10.0.0.5:9190`) as hostNameOf reads a Host header. */
function normalizeHostName(name: string): string {
  const n = name.trim().toLowerCase();
  if (net.isIP(n) !== 0) return plainAddress(n);
  return hostNameOf(n) ?? '';
}

function localInterfaceAddresses(): string[] {
  return Object.values(os.networkInterfaces())
    .flatMap((list) => list ?? [])
    .map((i) => i.address.split('%')[0]!);
}
