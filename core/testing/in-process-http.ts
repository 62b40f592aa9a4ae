import http from 'node:http';
import type { HttpTransport } from './http-client';
import { MemorySocket } from './memory-socket';

const LOOPBACK = '127.0.0.1';

/** Statuses whose answer has no body (a fetch Response refuses one for them). */
const NO_BODY_STATUSES = new Set([101, 204, 205, 304]);

/** The part of `fetch` a test client uses. */
export type InProcessFetch = (input: string | URL, init?: RequestInit) => Promise<Response>;

function headersOf(incoming: http.IncomingHttpHeaders): Headers {
  const h = new Headers();
  for (const [k, v] of Object.entries(incoming)) {
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) h.append(k, one);
  }
  return h;
}

/**
 * Serves a request handler (Koa's `app.callback()`) without a port: every request gets a
 * fresh in-memory socket pair, the server end is handed to a never-listening
 * `http.Server`, the client end to `http.request`. Both sides are Node's own HTTP code,
 * so streamed uploads, large bodies and server-sent events behave as on the network.
 */
export class InProcessHttp {
  private readonly server: http.Server;
  private readonly open = new Set<MemorySocket>();

  constructor(handler: http.RequestListener) {
    this.server = http.createServer(handler);
  }

  /**
   * A connected client socket; give it to `http.request({ createConnection })`. The server
   * sees the request come from `clientAddress` (default the site PC itself).
   */
  connect(clientAddress = LOOPBACK): MemorySocket {
    const [client, server] = MemorySocket.pair(clientAddress);
    for (const s of [client, server]) {
      this.open.add(s);
      s.once('close', () => this.open.delete(s));
    }
    this.server.emit('connection', server);
    return client;
  }

  /** `http.request` options that reach this server. */
  requestOptions(method: string, path: string, headers: http.OutgoingHttpHeaders, clientAddress = LOOPBACK): http.RequestOptions {
    return { method, path, headers: { host: LOOPBACK, ...headers }, createConnection: () => this.connect(clientAddress) };
  }

  /**
   * A `fetch` that reaches this server instead of the network, for clients written against
   * fetch (the proctor client sim): the URL's path and query are served here, as if sent
   * from `clientAddress` (a LAN PC: `fetchFrom('192.168.1.23')`). The answer is read whole.
   */
  fetchFrom(clientAddress = LOOPBACK): InProcessFetch {
    return async (input, init = {}) => {
      const url = new URL(typeof input === 'string' ? input : input.href);
      const headers: Record<string, string> = { host: url.host };
      new Headers(init.headers).forEach((value, name) => {
        headers[name] = value;
      });
      const body = init.body == null ? undefined : Buffer.from(await new Response(init.body).arrayBuffer());
      const signal = init.signal ?? undefined;
      signal?.throwIfAborted();
      return new Promise<Response>((resolve, reject) => {
        const req = http.request(this.requestOptions(init.method ?? 'GET', url.pathname + url.search, headers, clientAddress), (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            const h = headersOf(res.headers);
            resolve(new Response(NO_BODY_STATUSES.has(status) ? null : Buffer.concat(chunks), { status, headers: h }));
          });
        });
        const abort = (): void => {
          req.destroy(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
        };
        signal?.addEventListener('abort', abort, { once: true });
        req.on('close', () => signal?.removeEventListener('abort', abort));
        req.on('error', reject);
        req.end(body);
      });
    };
  }

  readonly transport: HttpTransport = ({ method, path, headers, body }) =>
    new Promise((resolve, reject) => {
      const req = http.request(this.requestOptions(method, path, headers), (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, headers: headersOf(res.headers), text: Buffer.concat(chunks).toString('utf8') });
        });
      });
      req.on('error', reject);
      req.end(body);
    });

  /** Cuts every open connection (streams included). */
  close(): void {
    for (const s of [...this.open]) s.destroy();
    this.server.close();
  }
}
