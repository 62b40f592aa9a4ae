import type { IncomingMessage, ServerResponse } from 'node:http';

export interface SlowClientLimits {
  /** A request body must arrive at least this fast, measured per window (bytes per second). */
  readonly minBytesPerSecond: number;
  /** Length of one measuring window (ms); the first window is also the grace period. */
  readonly windowMs: number;
}

export const DEFAULT_SLOW_CLIENT_LIMITS: SlowClientLimits = { minBytesPerSecond: 1024, windowMs: 10_000 };

const SLOW_BODY_MESSAGE = '请求内容传输过慢，连接已断开；请检查网络后重试';

/**
 * Cuts a request whose body trickles in (slowloris on the body): at the end of each window,
 * a body still incomplete must have brought at least `minBytesPerSecond × window` bytes.
 * Counted on the socket, so it guards every route (tus uploads included) without reading
 * the body itself. A window in which the server, not the client, held the body back (data
 * waiting unread in the request) does not count against the client.
 */
export function guardRequestBodyRate(req: IncomingMessage, res: ServerResponse, limits: SlowClientLimits): void {
  if (!hasBody(req) || req.complete) return;
  const socket = req.socket;
  const perWindow = (limits.minBytesPerSecond * limits.windowMs) / 1000;
  let lastBytes = socket.bytesRead;
  const timer = setInterval(() => {
    if (req.complete || socket.destroyed) return stop();
    const received = socket.bytesRead - lastBytes;
    lastBytes = socket.bytesRead;
    // Unread data in the request: the handler is slower than the client, not the reverse.
    if (req.readableLength > 0) return;
    if (received >= perWindow) return;
    stop();
    cut(req, res);
  }, limits.windowMs);
  timer.unref();
  const stop = (): void => clearInterval(timer);
  // 'close' also fires when the socket goes away; nothing is left on a kept-alive socket.
  req.once('end', stop);
  req.once('close', stop);
}

function hasBody(req: IncomingMessage): boolean {
  const length = Number(req.headers['content-length'] ?? 0);
  return (Number.isFinite(length) && length > 0) || req.headers['transfer-encoding'] !== undefined;
}

/** 408 in Chinese when nothing was answered yet, then the connection is closed. */
function cut(req: IncomingMessage, res: ServerResponse): void {
  if (!res.headersSent && !res.writableEnded) {
    const body = JSON.stringify({ error: { code: 'REQUEST_TOO_SLOW', message: SLOW_BODY_MESSAGE } });
    res.writeHead(408, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body), Connection: 'close' });
    res.end(body, () => req.socket.destroy());
    // A client that does not read the answer either is not waited for.
    setTimeout(() => req.socket.destroy(), 1000).unref();
  } else {
    req.socket.destroy();
  }
}
