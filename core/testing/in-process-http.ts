import http from 'node:http';
import type { HttpTransport } from './http-client';
import { MemorySocket } from './memory-socket';

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

  /** A connected client socket; give it to `http.request({ createConnection })`. */
  connect(): MemorySocket {
    const [client, server] = MemorySocket.pair();
    for (const s of [client, server]) {
      this.open.add(s);
      s.once('close', () => this.open.delete(s));
    }
    this.server.emit('connection', server);
    return client;
  }

  /** `http.request` options that reach this server. */
  requestOptions(method: string, path: string, headers: http.OutgoingHttpHeaders): http.RequestOptions {
    return { method, path, headers: { host: '127.0.0.1', ...headers }, createConnection: () => this.connect() };
  }

  readonly transport: HttpTransport = ({ method, path, headers, body }) =>
    new Promise((resolve, reject) => {
      const req = http.request(this.requestOptions(method, path, headers), (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const h = new Headers();
          for (const [k, v] of Object.entries(res.headers)) {
            if (v === undefined) continue;
            for (const one of Array.isArray(v) ? v : [v]) h.append(k, one);
          }
          resolve({ status: res.statusCode ?? 0, headers: h, text: Buffer.concat(chunks).toString('utf8') });
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
