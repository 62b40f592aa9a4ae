import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import tls from 'node:tls';
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

/** The site's own key and certificate (core/net/site-certificate.ts). */
export interface ListenTls {
  readonly keyPem: string;
  readonly certPem: string;
}

/** The first byte of a TLS ClientHello (record type handshake); no HTTP request starts with it. */
const TLS_HANDSHAKE_RECORD = 0x16;

/**
 * The site's HTTP server on `host:port` (port 0: any free port). With `secure`, the same port
 * also speaks TLS (issue 15 point 4): the first byte of a connection tells a ClientHello from
 * a plain request, so proctors use https:// or http:// on the one port the sheet prints and
 * plain HTTP stays for proctor software that cannot do TLS. Both kinds are connections of the
 * one http.Server, under the same header timeout, body-rate guard and shutdown.
 */
export async function listenHttp(
  app: Koa,
  host: string,
  port: number,
  limits: ListenLimits = DEFAULT_LISTEN_LIMITS,
  secure: ListenTls | null = null,
): Promise<HttpListener> {
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
  const sniffing = secure ? acceptTlsOnSamePort(server, secure, limits.headersTimeoutMs) : new Set<Socket>();
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
        for (const s of sniffing) s.destroy();
      }),
  };
}

/**
 * Puts a look at the first byte in front of http.Server's own connection handling (the
 * listener Node registers in the constructor): a TLS ClientHello goes through a server-side
 * TLSSocket first and reaches that handling once the handshake is done, as https.Server does.
 * Returns the sockets whose first byte has not come yet (not the http.Server's until then).
 */
function acceptTlsOnSamePort(server: http.Server, secure: ListenTls, handshakeTimeoutMs: number): Set<Socket> {
  const sniffing = new Set<Socket>();
  const context = tls.createSecureContext({ key: secure.keyPem, cert: secure.certPem, minVersion: 'TLSv1.2' });
  const handlers = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  const handOver = (socket: Socket): void => {
    for (const h of handlers) h.call(server, socket);
  };
  server.on('connection', (socket: Socket) => {
    sniffing.add(socket);
    // Nothing at all within the header timeout: the same cut a slow header gets.
    socket.setTimeout(handshakeTimeoutMs, () => socket.destroy());
    const onError = (): void => {
      socket.destroy();
    };
    socket.on('error', onError);
    socket.once('close', () => sniffing.delete(socket));
    socket.once('data', (chunk: Buffer) => {
      sniffing.delete(socket);
      socket.pause();
      socket.unshift(chunk);
      if (chunk[0] !== TLS_HANDSHAKE_RECORD) {
        socket.setTimeout(0);
        socket.removeListener('error', onError);
        handOver(socket);
        process.nextTick(() => socket.resume());
        return;
      }
      // TLSSocket takes the bytes already read (the unshifted ClientHello) before the handle's.
      const secured = new tls.TLSSocket(socket, { isServer: true, secureContext: context, ALPNProtocols: ['http/1.1'] });
      secured.on('error', () => secured.destroy());
      secured.once('secure', () => {
        socket.setTimeout(0);
        socket.removeListener('error', onError);
        handOver(secured);
      });
    });
  });
  return sniffing;
}
