import { createHash } from 'node:crypto';
import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z, type ZodType } from 'zod';
import { goToSchema } from './guidance';
import { schemaFingerprint } from './schema-fingerprint';
import { mergeErrorResponses, toOpenApiPath, type AnyRouteSpec, type ErrorResponses, type RawResponseSpec, type ResponseHeaders } from './route';

/** `error.code` limited to the codes one response can carry: generated clients get an enum, not a free string. */
function errorSchemaOf(codes: readonly string[]): ZodType {
  return z.object({
    error: z.object({
      code: z.enum(codes as [string, ...string[]]).describe('错误代码（稳定，供程序判断）'),
      message: z.string().describe('中文错误说明：哪里不对、应该怎么做'),
      requestId: z.string().optional().describe('请求编号（与 X-Request-Id 相同），联系技术支持时提供'),
      goTo: goToSchema.optional(),
    }),
  });
}

const REQUEST_ID_HEADER = { 'X-Request-Id': { description: '请求编号：每个应答都带，与错误应答中的 requestId 相同', type: 'string' } } as const;

type HeaderObject = Record<string, { description: string; schema: { type: string } }>;

function headersOf(headers: ResponseHeaders | undefined): HeaderObject {
  const all: ResponseHeaders = { ...REQUEST_ID_HEADER, ...headers };
  return Object.fromEntries(Object.entries(all).map(([name, h]) => [name, { description: h.description, schema: { type: h.type ?? 'string' } }]));
}

/** Body schema of a raw answer's media type: JSON has its schema, text is a string, anything else binary. */
function mediaSchemaOf(contentType: string, raw: RawResponseSpec): ZodType {
  if (contentType === 'application/json') {
    if (!raw.jsonSchema) throw new Error(`应答 ${raw.status} 的 application/json 缺少 jsonSchema`);
    return raw.jsonSchema;
  }
  if (contentType.startsWith('text/')) return z.string();
  return z.string().meta({ format: 'binary' });
}

/**
 * The error statuses every route of this shape can answer besides its own: input checks
 * (core/http/route.ts, body.ts), the guard, the site boundary (site-boundary.ts) and the
 * generic 500 of the error middleware (app.ts).
 */
function frameworkErrors(spec: AnyRouteSpec): ErrorResponses {
  const invalid = '输入无效';
  const b = spec.body;
  return mergeErrorResponses(
    spec.params || spec.query || b?.kind === 'json' ? { 400: { description: invalid, codes: ['INVALID_INPUT'] } } : {},
    b?.kind === 'json' ? { 400: { description: invalid, codes: ['INVALID_JSON'] } } : {},
    b
      ? {
          400: { description: invalid, codes: ['REQUEST_ABORTED'] },
          413: { description: '请求内容超过上限', codes: ['BODY_TOO_LARGE'] },
          415: { description: '请求内容类型不受支持', codes: ['UNSUPPORTED_MEDIA_TYPE'] },
        }
      : {},
    spec.guard.errors,
    { 403: { description: '拒绝访问', codes: spec.reach === 'lan' ? ['HOST_NOT_ALLOWED'] : ['HOST_NOT_ALLOWED', 'ADMIN_SITE_PC_ONLY', 'CROSS_ORIGIN_REFUSED'] } },
    { 500: { description: '服务器内部错误（应答中带请求编号）', codes: ['INTERNAL_ERROR'] } },
  );
}

export interface OpenApiInfo {
  readonly title: string;
  readonly version: string;
}

/** Documents built in this process, by the fingerprint of what they were built from. */
const builtDocuments = new Map<string, unknown>();
/** Distinct compositions kept: a test process starts many kernels of a few plugin sets. */
const BUILT_DOCUMENTS_KEPT = 32;

interface SecuritySchemeEntry {
  readonly name: string;
  readonly description: string;
  readonly bearerFormat: string;
}

/**
 * Collects every route as it is mounted; the document is generated from the same zod
 * schemas that validate. It is built when first asked for (GET /api/openapi.json, a test
 * client's response contract), and once per process for each distinct set of routes: the
 * key is the fingerprint of every input the generator reads (spec fields, schemas by
 * content — core/http/schema-fingerprint.ts), so a kernel of other plugins, or of the same
 * plugins with other routes or schemas, never gets a stale document (ADR 018).
 */
export class OpenApiDocument {
  private readonly routes: { readonly fullPath: string; readonly spec: AnyRouteSpec }[] = [];
  private readonly schemes: SecuritySchemeEntry[] = [];
  private readonly operationIds = new Map<string, string>();
  private readonly tagNames = new Set<string>();
  private cached: unknown = null;

  constructor(private readonly info: OpenApiInfo) {}

  registerSecurityScheme(name: string, description: string, bearerFormat: string): void {
    this.schemes.push({ name, description, bearerFormat });
    this.cached = null;
  }

  /** Checks the spec now (a wrong route stops the boot, not the first document request); documents it at build. */
  add(fullPath: string, spec: AnyRouteSpec): void {
    this.cached = null;
    const where = `${spec.method.toUpperCase()} ${fullPath}`;
    if (!/^[a-z][A-Za-z0-9]*$/.test(spec.operationId)) throw new Error(`${where} 的 operationId 应为小驼峰英文（如 getStatus）：${spec.operationId}`);
    const taken = this.operationIds.get(spec.operationId);
    if (taken) throw new Error(`operationId ${spec.operationId} 重复：${taken} 与 ${where}`);
    if (!spec.response) {
      if (!spec.rawResponses?.length) throw new Error(`${where} 的 response 为 null，须在 rawResponses 中说明应答的状态和媒体类型`);
      for (const raw of spec.rawResponses) {
        if (raw.contentTypes?.includes('application/json') && !raw.jsonSchema) throw new Error(`应答 ${raw.status} 的 application/json 缺少 jsonSchema`);
      }
    }
    this.operationIds.set(spec.operationId, where);
    for (const t of spec.tags ?? []) this.tagNames.add(t);
    this.routes.push({ fullPath, spec });
  }

  document(): unknown {
    if (this.cached) return this.cached;
    const key = this.fingerprint();
    let built = builtDocuments.get(key);
    if (built === undefined) {
      built = deepFreeze(this.build());
      if (builtDocuments.size >= BUILT_DOCUMENTS_KEPT) builtDocuments.delete(builtDocuments.keys().next().value!);
      builtDocuments.set(key, built);
    }
    this.cached = built;
    return built;
  }

  /** Every input of build(), in order: info, schemes, each route's documented fields (schemas by content). */
  private fingerprint(): string {
    const hash = createHash('sha256');
    hash.update(JSON.stringify([this.info, this.schemes, [...this.tagNames]]));
    for (const { fullPath, spec } of this.routes) {
      const b = spec.body;
      hash.update('\n');
      hash.update(
        JSON.stringify([
          fullPath,
          spec.method,
          spec.operationId,
          spec.summary,
          spec.description,
          spec.tags,
          spec.reach,
          spec.guard.securityScheme,
          spec.guard.errors,
          spec.errors,
          spec.responseDescription,
          spec.responseHeaders,
          spec.response && schemaFingerprint(spec.response),
          spec.rawResponses?.map((r) => ({ ...r, jsonSchema: r.jsonSchema && schemaFingerprint(r.jsonSchema) })),
          spec.params && schemaFingerprint(spec.params),
          spec.query && schemaFingerprint(spec.query),
          b && (b.kind === 'json' ? { kind: b.kind, schema: schemaFingerprint(b.schema) } : { kind: b.kind, description: b.description, contentTypes: b.contentTypes }),
        ]),
      );
    }
    return hash.digest('hex');
  }

  private build(): unknown {
    const registry = new OpenAPIRegistry();
    // Admin and proctor are told apart by scheme name and bearer format: the admin session
    // (cookie, or its token as a bearer for scripts on the site PC) vs the proctor credential.
    registry.registerComponent('securitySchemes', 'adminSession', {
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'admin-session',
      description: '管理员登录令牌（POST /api/auth/login 的 token），只在考点服务器本机有效',
    });
    registry.registerComponent('securitySchemes', 'adminCookie', {
      type: 'apiKey',
      in: 'cookie',
      name: 'examsite_session',
      description: '管理员登录 Cookie（登录时设置，HttpOnly、SameSite=Strict）',
    });
    for (const s of this.schemes) registry.registerComponent('securitySchemes', s.name, { type: 'http', scheme: 'bearer', bearerFormat: s.bearerFormat, description: s.description });
    for (const { fullPath, spec } of this.routes) registerRoute(registry, fullPath, spec);
    const generator = new OpenApiGeneratorV31(registry.definitions);
    return generator.generateDocument({
      openapi: '3.1.0',
      info: {
        title: this.info.title,
        version: this.info.version,
        description: '考点管理系统 HTTP API（管理端与监考机局域网协议）',
        license: { name: 'UNLICENSED（专有软件，仅限授权考点使用）', identifier: 'LicenseRef-Proprietary' },
      },
      // Relative: the document is served by the site itself, at whatever address the LAN uses.
      servers: [{ url: '/', description: '本考点服务器（与本文档同一地址）' }],
      tags: [...this.tagNames].sort().map((name) => ({ name, description: TAG_DESCRIPTIONS[name] ?? name })),
    });
  }
}

function registerRoute(registry: OpenAPIRegistry, fullPath: string, spec: AnyRouteSpec): void {
  const responses: Record<string, unknown> = {};
  if (spec.response) {
    responses['200'] = {
      description: spec.responseDescription ?? '成功',
      headers: headersOf(spec.responseHeaders),
      content: { 'application/json': { schema: spec.response } },
    };
  } else {
    for (const raw of spec.rawResponses ?? []) {
      responses[String(raw.status)] = {
        description: raw.description,
        headers: headersOf(raw.headers),
        ...(raw.contentTypes?.length ? { content: Object.fromEntries(raw.contentTypes.map((t) => [t, { schema: mediaSchemaOf(t, raw) }])) } : {}),
      };
    }
  }
  const errors = mergeErrorResponses(frameworkErrors(spec), spec.errors);
  for (const [status, e] of Object.entries(errors)) {
    const retryAfter: ResponseHeaders = status === '429' ? { 'Retry-After': { description: '多少秒后可以再试', type: 'integer' } } : {};
    responses[status] = {
      description: e.description,
      headers: headersOf(retryAfter),
      content: { 'application/json': { schema: errorSchemaOf(e.codes) } },
    };
  }
  const b = spec.body;
  const request: Record<string, unknown> = {};
  if (spec.params) request.params = spec.params;
  if (spec.query) request.query = spec.query;
  if (b?.kind === 'json') request.body = { required: true, content: { 'application/json': { schema: b.schema } } };
  if (b?.kind === 'raw' || b?.kind === 'stream') {
    request.body = {
      required: true,
      description: b.description,
      content: Object.fromEntries(b.contentTypes.map((t) => [t, { schema: z.string().meta({ format: 'binary' }) }])),
    };
  }
  const schemes = spec.guard.securityScheme === null ? [] : ([] as string[]).concat(spec.guard.securityScheme);
  registry.registerPath({
    method: spec.method,
    path: toOpenApiPath(fullPath),
    operationId: spec.operationId,
    summary: spec.summary,
    description: spec.description,
    tags: spec.tags,
    security: schemes.map((name) => ({ [name]: [] })),
    request: request as never,
    responses: responses as never,
  });
}

/** A document shared by kernels must not be changed by one of them. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

const TAG_DESCRIPTIONS: Readonly<Record<string, string>> = {
  系统: '考点服务器本身：登录页信息、参数设置、状态栏、实时事件、本文档',
  认证: '管理员登录、退出与密码修改',
  '监考机协议 v1': '监考机与考点服务器之间的局域网协议（docs/proctor-protocol.md）',
};
