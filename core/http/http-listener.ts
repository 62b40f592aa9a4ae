import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';

export interface HttpListener {
  readonly port: number;
  /** Stops accepting and cuts open connections (SSE streams included). */
  close(): Promise<void>;
}

/** The site's HTTP server on `host:port` (port 0: any free port). */
export async function listenHttp(app: Koa, host: string, port: number): Promise<HttpListener> {
  const server = http.createServer(app.callback());
  server.keepAliveTimeout = 65_000;
  // Large uploads may take long as a whole; a socket silent for 2 minutes is cut instead
  // (SSE streams switch this off for their own socket).
  server.requestTimeout = 0;
  server.timeout = 120_000;
  server.headersTimeout = 30_000;
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
