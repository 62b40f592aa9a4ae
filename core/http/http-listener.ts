import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';
import { DEFAULT_SLOW_CLIENT_LIMITS, guardRequestBodyRate, type SlowClientLimits } from './slow-client-guard';

export interface HttpListener {
  readonly port: number;
  /** Stops accepting and cuts open connections (SSE streams included). */
  close(): Promise<void>;
}

export interface ListenLimits extends SlowClientLimits {
  /** Headers must be complete this long after the connection started a request (slowloris). */
  readonly headersTimeoutMs: number;
}

export const DEFAULT_LISTEN_LIMITS: ListenLimits = { ...DEFAULT_SLOW_CLIENT_LIMITS, headersTimeoutMs: 30_000 };

/** A request as a whole (headers and body), however fast its body came: a backstop only. */
const REQUEST_TIMEOUT_MS = 3 * 60 * 60_000;

/** The site's HTTP server on `host:port` (port 0: any free port). */
export async function listenHttp(app: Koa, host: string, port: number, limits: ListenLimits = DEFAULT_LISTEN_LIMITS): Promise<HttpListener> {
  const server = http.createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: REQUEST_TIMEOUT_MS,
      // How often Node checks the two timeouts above (default 30 s would let a slow header live a minute).
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
    },
    app.callback(),
  );
  // Every body, whatever route reads it, must keep a minimum rate (issue 10 point 4).
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => guardRequestBodyRate(req, res, limits));
  server.keepAliveTimeout = 65_000;
  // A socket silent for 2 minutes is cut (SSE streams switch this off for their own socket).
  server.timeout = 120_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
