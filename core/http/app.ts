import { randomUUID } from 'node:crypto';
import Koa, { type Context, type Next } from 'koa';
import type { Logger } from 'pino';
import { AppError, isCodedUserError, type ErrorBody } from './errors';
import type { GoTo } from './guidance';
import { TrustError } from '../crypto/trust-error';
import { trustErrorStatus } from './error-catalog';
import type { HttpRegistry } from './http-registry';
import type { LiveEvents } from '../events/live-events';
import { WEB_IMPORT_MAP_CSP_HASH } from './web-import-map';

/** Maps any thrown error to the JSON error body; never a stack trace to the client. */
export function errorMiddleware(logger: Logger) {
  return async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
      // The router answers these with an empty body, which Koa would fill with English text.
      if (ctx.body === undefined && ctx.path.startsWith('/api/')) {
        if (ctx.status === 404) throw new AppError(404, 'NOT_FOUND', `接口 ${ctx.method} ${ctx.path} 不存在`);
        if (ctx.status === 405) {
          const allow = ctx.response.get('Allow');
          throw new AppError(405, 'METHOD_NOT_ALLOWED', `接口 ${ctx.path} 不支持 ${ctx.method} 请求${allow ? `（可用：${allow}）` : ''}`);
        }
        if (ctx.status === 501) throw new AppError(501, 'METHOD_NOT_IMPLEMENTED', `不支持的请求方法 ${ctx.method}`);
      }
    } catch (e) {
      const requestId = String(ctx.state.requestId ?? '');
      let status = 500;
      let goTo: GoTo | undefined;
      let code = 'INTERNAL_ERROR';
      let message = `服务器内部错误，请联系技术支持并提供请求编号 ${requestId}`;
      if (e instanceof AppError) {
        ({ status, code, message, goTo } = e);
        for (const [k, v] of Object.entries(e.headers)) ctx.set(k, v);
      } else if (e instanceof TrustError) {
        status = trustErrorStatus(e.code);
        code = e.code;
        message = e.message;
        goTo = e.goTo;
      } else if (isCodedUserError(e)) {
        status = e.httpStatus ?? 400;
        code = e.code;
        message = e.message;
      } else if (isHttpClientError(e)) {
        // ctx.throw / http-errors from a library: keep the status, never its English message.
        status = e.status;
        code = `HTTP_${e.status}`;
        message = HTTP_STATUS_MESSAGES[e.status] ?? '请求无法处理，请检查后重试';
      } else if (isClientAbort(e)) {
        status = 400;
        code = 'REQUEST_ABORTED';
        message = '请求在传输中断开，请重试';
      }
      if (status >= 500) logger.error({ err: e, requestId, path: ctx.path }, 'request failed');
      else logger.debug({ code, requestId, path: ctx.path }, message);
      ctx.status = status;
      const body: ErrorBody = { error: { code, message, ...(requestId ? { requestId } : {}), ...(goTo ? { goTo } : {}) } };
      ctx.body = body;
    }
  };
}

const HTTP_STATUS_MESSAGES: Record<number, string> = {
  400: '请求无效，请检查后重试',
  401: '请先登录',
  403: '没有权限执行此操作',
  404: '所请求的内容不存在',
  405: '不支持此请求方法',
  408: '请求超时，请重试',
  409: '操作与当前数据冲突，请刷新后重试',
  413: '请求内容过大',
  415: '请求内容类型不受支持',
  429: '请求过于频繁，请稍后再试',
};

function isHttpClientError(e: unknown): e is { status: number } {
  const status = (e as { status?: unknown } | null)?.status;
  return e instanceof Error && typeof status === 'number' && Number.isInteger(status) && status >= 400 && status < 500;
}

function isClientAbort(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'ECONNRESET' || code === 'ECONNABORTED' || code === 'ERR_STREAM_PREMATURE_CLOSE';
}

export function requestIdMiddleware() {
  return async (ctx: Context, next: Next): Promise<void> => {
    const incoming = ctx.get('x-request-id');
    const id = /^[A-Za-z0-9-]{8,64}$/.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = id;
    ctx.set('X-Request-Id', id);
    await next();
  };
}

/**
 * Same-origin everything. Element Plus sets style attributes (style 'unsafe-inline'); the
 * printable sheets' one inline handler, `window.print()`, and the shell's import map (the
 * only inline script, core/http/web-import-map.ts) are allowed by their hashes only.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  `script-src 'self' 'unsafe-hashes' 'sha256-MguIPR6qNR8D3B+eAlK+bIRTZe8t3wkOY4B/56Me9FU=' ${WEB_IMPORT_MAP_CSP_HASH}`,
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

export function securityHeaders() {
  return async (ctx: Context, next: Next): Promise<void> => {
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    await next();
  };
}

const SSE_MAX_BUFFERED_BYTES = 1024 * 1024;

/**
 * GET /api/events: server-sent events for the admin UI. `topics` limits the stream to those
 * live topic ids (null: all); `onOpen` sends the initial state of the chosen topics.
 */
export function sseHandler(live: LiveEvents, onOpen: (send: (type: string, data: unknown) => void, topics: ReadonlySet<string> | null) => void) {
  /** `watchEnd` gets a function that ends the stream (e.g. when the session is logged out). */
  return (ctx: Context, topics: ReadonlySet<string> | null, watchEnd?: (end: () => void) => () => void): void => {
    ctx.req.socket.setTimeout(0);
    ctx.req.socket.setNoDelay(true);
    ctx.req.socket.setKeepAlive(true);
    ctx.respond = false;
    const res = ctx.res;
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    const send = (type: string, data: unknown): void => {
      if (res.writableEnded) return;
      // A client that stopped reading must not make the server buffer without bound:
      // drop it; EventSource reconnects and gets a fresh status snapshot.
      if (res.writableLength > SSE_MAX_BUFFERED_BYTES) {
        res.destroy();
        return;
      }
      res.write(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    const unsubscribe = live.subscribe((e) => send(e.type, e.data), topics);
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15000);
    let unwatch: () => void = () => undefined;
    let closed = false;
    const close = (): void => {
      if (closed) return;
      closed = true;
      clearInterval(keepAlive);
      unsubscribe();
      unwatch();
    };
    // 'close' on the response fires when the client goes away (and after end()).
    res.on('close', close);
    res.on('error', close);
    if (watchEnd) {
      unwatch = watchEnd(() => {
        close();
        res.end();
      });
    }
    onOpen(send, topics);
  };
}

/**
 * A link opened in the browser while logged out (a printable sheet, a download, a bookmark)
 * gets the login page, not raw JSON: a 401 to a top-level navigation becomes a 303 to
 * `/?next=<path>`, and the UI goes back there after login. fetch() calls keep their JSON 401.
 */
export function loginRedirectForNavigation() {
  return async (ctx: Context, next: Next): Promise<void> => {
    await next();
    if (ctx.status !== 401 || ctx.method !== 'GET' || !ctx.path.startsWith('/api/')) return;
    const navigating = ctx.get('sec-fetch-mode') === 'navigate' || ctx.get('sec-fetch-dest') === 'document';
    if (!navigating) return;
    const target = `/?next=${encodeURIComponent(ctx.originalUrl)}`;
    ctx.status = 303;
    ctx.set('Location', target);
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = `<!doctype html><meta charset="utf-8"><title>考点管理系统</title><p>请先登录。<a href="${target.replace(/"/g, '&quot;')}">打开登录页</a></p>`;
  };
}

export function createKoaApp(options: {
  logger: Logger;
  registry: HttpRegistry;
  before: Koa.Middleware[];
  after: Koa.Middleware[];
}): Koa {
  const app = new Koa({ proxy: false });
  app.silent = true;
  app.on('error', (err: unknown) => {
    if (!isClientAbort(err)) options.logger.warn({ err }, 'http error');
  });
  app.use(requestIdMiddleware());
  app.use(securityHeaders());
  app.use(loginRedirectForNavigation());
  app.use(errorMiddleware(options.logger));
  for (const m of options.before) app.use(m);
  app.use(options.registry.exactRouteMiddleware());
  app.use(options.registry.router.routes());
  app.use(options.registry.router.allowedMethods());
  for (const m of options.after) app.use(m);
  return app;
}
