import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z, type ZodType } from 'zod';
import { toOpenApiPath, type AnyRouteSpec } from './route';

const errorSchema = z
  .object({ error: z.object({ code: z.string(), message: z.string().describe('中文错误说明：哪里不对、应该怎么做'), requestId: z.string().optional() }) })
  .meta({ id: 'Error' });

/** Collects every route as it is mounted; the document is generated from the same zod schemas that validate. */
export class OpenApiDocument {
  private readonly registry = new OpenAPIRegistry();
  private cached: unknown = null;

  constructor(private readonly info: { title: string; version: string }) {
    this.registry.registerComponent('securitySchemes', 'adminSession', {
      type: 'http',
      scheme: 'bearer',
      description: '管理员登录令牌（POST /api/auth/login 的 token）',
    });
    this.registry.registerComponent('securitySchemes', 'adminCookie', {
      type: 'apiKey',
      in: 'cookie',
      name: 'examsite_session',
      description: '管理员登录 Cookie（登录时设置，HttpOnly、SameSite=Strict）',
    });
  }

  registerSecurityScheme(name: string, description: string): void {
    this.registry.registerComponent('securitySchemes', name, { type: 'http', scheme: 'bearer', description });
    this.cached = null;
  }

  add(fullPath: string, spec: AnyRouteSpec): void {
    this.cached = null;
    const responses: Record<string, { description: string; content?: Record<string, { schema: ZodType }> }> = {};
    responses['200'] = spec.response
      ? { description: spec.responseDescription ?? '成功', content: { 'application/json': { schema: spec.response } } }
      : { description: spec.responseDescription ?? '成功' };
    const b = spec.body;
    const schemes = spec.guard.securityScheme === null ? [] : ([] as string[]).concat(spec.guard.securityScheme);
    const errors: Record<number, string> = { 400: '输入无效', ...spec.errors };
    if (schemes.length > 0 && !errors[401]) errors[401] = '未登录或凭证无效';
    if (b) {
      errors[413] ??= '请求内容超过上限';
      errors[415] ??= '请求内容类型不受支持';
    }
    errors[500] ??= '服务器内部错误（响应中带请求编号）';
    for (const [status, description] of Object.entries(errors)) {
      responses[status] = { description, content: { 'application/json': { schema: errorSchema } } };
    }
    const request: Record<string, unknown> = {};
    if (spec.params) request.params = spec.params;
    if (spec.query) request.query = spec.query;
    if (b?.kind === 'json') request.body = { content: { 'application/json': { schema: b.schema } } };
    if (b?.kind === 'raw' || b?.kind === 'stream') {
      request.body = {
        description: b.description,
        content: Object.fromEntries(b.contentTypes.map((t) => [t, { schema: z.string().meta({ format: 'binary' }) }])),
      };
    }
    this.registry.registerPath({
      method: spec.method,
      path: toOpenApiPath(fullPath),
      summary: spec.summary,
      description: spec.description,
      tags: spec.tags,
      security: schemes.map((name) => ({ [name]: [] })),
      request: request as never,
      responses: responses as never,
    });
  }

  document(): unknown {
    if (!this.cached) {
      const generator = new OpenApiGeneratorV31(this.registry.definitions);
      this.cached = generator.generateDocument({
        openapi: '3.1.0',
        info: { title: this.info.title, version: this.info.version, description: '考点管理系统 HTTP API（管理端与监考机局域网协议）' },
      });
    }
    return this.cached;
  }
}
