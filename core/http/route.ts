import type { Context } from 'koa';
import { z } from 'zod';
import type { ZodType } from 'zod';
import { limitBody, readBody, readJson } from './body';
import { badRequest, unsupportedMediaType } from './errors';
import type { RouteReach } from './site-boundary';

/**
 * One documented error status of an operation: what it means and every machine code
 * (`error.code`) it can carry. The OpenAPI document lists the codes as an enum, and the
 * test suite's response contract (core/testing/response-contract.ts) refuses any other.
 */
export interface ErrorResponseSpec {
  readonly description: string;
  readonly codes: readonly string[];
}

/** Error statuses of an operation, e.g. `{ 409: { description: '考场已被注册', codes: ['ROOM_TAKEN'] } }`. */
export type ErrorResponses = Readonly<Record<number, ErrorResponseSpec>>;

/** Several error lists as one: per status the codes add up, the last description wins. */
export function mergeErrorResponses(...lists: readonly (ErrorResponses | undefined)[]): ErrorResponses {
  const merged: Record<number, { description: string; codes: string[] }> = {};
  for (const list of lists) {
    for (const [status, e] of Object.entries(list ?? {})) {
      const target = (merged[Number(status)] ??= { description: e.description, codes: [] });
      target.description = e.description;
      for (const c of e.codes) if (!target.codes.includes(c)) target.codes.push(c);
    }
  }
  return merged;
}

/** A documented response header (Set-Cookie, Content-Disposition, X-Content-SHA256 …). */
export interface ResponseHeaderSpec {
  readonly description: string;
  readonly type?: 'string' | 'integer';
}

export type ResponseHeaders = Readonly<Record<string, ResponseHeaderSpec>>;

/**
 * An answer the handler writes itself (`response: null`): binary files, HTML sheets, CSV,
 * server-sent events, the tus upload protocol. Without content types the body is empty.
 */
export interface RawResponseSpec {
  readonly status: number;
  readonly description: string;
  readonly contentTypes?: readonly string[];
  /** Schema of an `application/json` body among `contentTypes`. */
  readonly jsonSchema?: ZodType;
  readonly headers?: ResponseHeaders;
}

/** Decides who may call a route and returns who that is. */
export interface AuthGuard<P> {
  /** Name(s) in the OpenAPI document's security schemes; any one of several suffices. */
  readonly securityScheme: string | readonly string[] | null;
  /** What `authenticate` can refuse with (documented on every route of this guard). */
  readonly errors: ErrorResponses;
  authenticate(ctx: Context): Promise<P>;
}

export type HttpMethod = 'get' | 'post' | 'put' | 'delete' | 'patch';

export type BodySpec =
  | { kind: 'json'; schema: ZodType; maxBytes?: number }
  | { kind: 'raw'; contentTypes: readonly string[]; maxBytes: number; description: string }
  /** Large uploads: the handler gets the body as a stream, cut off (413) beyond `maxBytes`. */
  | { kind: 'stream'; contentTypes: readonly string[]; maxBytes: number; description: string };

type Infer<S> = S extends ZodType ? z.output<S> : undefined;
type BodyOf<B> = B extends { kind: 'json'; schema: infer S }
  ? Infer<S>
  : B extends { kind: 'raw' }
    ? Buffer
    : B extends { kind: 'stream' }
      ? AsyncIterable<Buffer>
      : undefined;

export interface RouteInput<P, Params, Query, Body> {
  readonly koa: Context;
  readonly principal: P;
  readonly params: Params;
  readonly query: Query;
  readonly body: Body;
  readonly ip: string;
  readonly requestId: string;
}

export interface RouteSpec<
  P,
  ParamsS extends ZodType | undefined,
  QueryS extends ZodType | undefined,
  B extends BodySpec | undefined,
  R,
> {
  method: HttpMethod;
  /**
   * Stable name of the operation for generated clients (camelCase verb first: `getStatus`,
   * `runSealCheck`). Unique across the product; never renamed once published.
   */
  operationId: string;
  /** Koa path (`/rooms/:roomCode`), relative to the plugin's prefix unless mounted absolutely. */
  path: string;
  summary: string;
  description?: string;
  tags?: string[];
  guard: AuthGuard<P>;
  /** 'lan' opens the route to every PC of the exam LAN; by default only the site PC reaches it. */
  reach?: RouteReach;
  params?: ParamsS;
  query?: QueryS;
  body?: B;
  /** JSON response schema (documented); `null` when the handler writes `ctx.koa.body` itself. */
  response: ZodType<R> | null;
  responseDescription?: string;
  /** Headers of the JSON answer (e.g. Set-Cookie of the login). */
  responseHeaders?: ResponseHeaders;
  /** Required when `response` is null: each answer the handler writes, with its media types. */
  rawResponses?: readonly RawResponseSpec[];
  /**
   * Error statuses and the codes the handler (and the services it calls) can answer. The
   * guard's, the body reader's and the site boundary's are added by the document itself.
   */
  errors?: ErrorResponses;
  handler(input: RouteInput<P, Infer<ParamsS>, Infer<QueryS>, BodyOf<B>>): Promise<R> | R;
}

// Erased form used by the registry.
export type AnyRouteSpec = RouteSpec<unknown, ZodType | undefined, ZodType | undefined, BodySpec | undefined, unknown>;

const DEFAULT_JSON_LIMIT = 1024 * 1024;

export function describeZodError(prefix: string, error: z.ZodError): string {
  const parts = error.issues.slice(0, 5).map((i) => {
    const where = i.path.length ? `${i.path.join('.')}：` : '';
    return `${where}${i.message}`;
  });
  return `${prefix}：${parts.join('；')}`;
}

function parseWith<S extends ZodType | undefined>(schema: S, value: unknown, what: string): Infer<S> {
  if (!schema) return undefined as Infer<S>;
  const r = schema.safeParse(value);
  if (!r.success) throw badRequest('INVALID_INPUT', describeZodError(what, r.error));
  return r.data as Infer<S>;
}

/** Runs one request through a spec: authenticate, validate, call, serialize. */
export async function executeRoute(spec: AnyRouteSpec, ctx: Context, params: Record<string, string>): Promise<void> {
  const principal = await spec.guard.authenticate(ctx);
  const parsedParams = parseWith(spec.params, params, '路径参数错误');
  const parsedQuery = parseWith(spec.query, ctx.query, '查询参数错误');
  let body: unknown;
  const b = spec.body;
  if (b?.kind === 'json') {
    body = parseWith(b.schema, await readJson(ctx.req, b.maxBytes ?? DEFAULT_JSON_LIMIT), '请求内容错误');
  } else if (b?.kind === 'raw' || b?.kind === 'stream') {
    const type = String(ctx.get('content-type') || '').split(';')[0]!.trim().toLowerCase();
    if (!b.contentTypes.includes(type)) {
      throw unsupportedMediaType(`上传内容类型应为 ${b.contentTypes.join(' 或 ')}，收到的是 ${type || '(未指定)'}`);
    }
    body = b.kind === 'raw' ? await readBody(ctx.req, b.maxBytes) : limitBody(ctx.req, b.maxBytes);
  }
  const result = await spec.handler({
    koa: ctx,
    principal,
    params: parsedParams,
    query: parsedQuery,
    body: body as never,
    ip: ctx.ip,
    requestId: String(ctx.state.requestId ?? ''),
  });
  if (spec.response !== null) {
    ctx.status = ctx.status === 404 ? 200 : ctx.status;
    ctx.body = result === undefined ? { ok: true } : result;
  }
}

/** `/rooms/:roomCode` → `/rooms/{roomCode}` for the OpenAPI document. */
export function toOpenApiPath(koaPath: string): string {
  return koaPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}
