import { Router } from '@koa/router';
import type { Context } from 'koa';
import type { ZodType } from 'zod';
import { OpenApiDocument } from './openapi';
import { executeRoute, type AnyRouteSpec, type BodySpec, type RouteSpec } from './route';
import { laxIntegerFields } from './strict-integer-params';

const LAN_ANSWERS_KEPT = 4096;

/** Every route of the product, mounted once, documented once. */
export class HttpRegistry {
  readonly router = new Router();
  private readonly mounted = new Set<string>();
  /** Router layer names of the routes with `reach: 'lan'`. */
  private readonly lanRoutes = new Set<string>();
  /**
   * `METHOD path` → whether it is a LAN route: the site boundary asks on every request and
   * a router match per heartbeat was measurable (ADR 016). Bounded: any path can be sent.
   */
  private readonly lanAnswers = new Map<string, boolean>();
  /**
   * `METHOD path` → route, for routes without parameters that no earlier route also matches:
   * answered without the router's per-request walk over every route and its middleware chain
   * (issue 11 point 9: the heartbeat is one of them). The router still answers the rest.
   */
  private readonly exactRoutes = new Map<string, AnyRouteSpec>();

  constructor(readonly openapi: OpenApiDocument) {}

  mount(fullPath: string, spec: AnyRouteSpec): void {
    const key = `${spec.method.toUpperCase()} ${fullPath}`;
    if (this.mounted.has(key)) throw new Error(`路由重复：${key}`);
    this.mounted.add(key);
    // One spelling per resource: a lax number parser would let `1%20` or `0x1` past text-keyed checks.
    const lax = [...laxIntegerFields(spec.params), ...laxIntegerFields(spec.query)];
    if (lax.length > 0) throw new Error(`路由 ${key} 的整数参数 ${lax.join('、')} 须用 integerParam（core/http/integer-param.ts）`);
    if (spec.reach === 'lan') this.lanRoutes.add(key);
    this.lanAnswers.clear();
    const method = spec.method.toUpperCase();
    if (!/[:*(]/.test(fullPath) && this.router.match(fullPath, method).pathAndMethod.length === 0) this.exactRoutes.set(`${method} ${fullPath}`, spec);
    this.router[spec.method](key, fullPath, async (ctx: Context & { params?: Record<string, string> }) => {
      await executeRoute(spec, ctx, ctx.params ?? {});
    });
    this.openapi.add(fullPath, spec);
  }

  /** Koa middleware in front of the router: runs a parameterless route found by one map lookup. */
  exactRouteMiddleware() {
    return async (ctx: Context, next: () => Promise<unknown>): Promise<void> => {
      const spec = this.exactRoutes.get(`${ctx.method} ${ctx.path}`);
      if (spec) await executeRoute(spec, ctx, {});
      else await next();
    };
  }

  /** Whether this request goes to a route open to the LAN (see SiteBoundary). */
  isLanRoute(method: string, path: string): boolean {
    if (this.lanRoutes.size === 0) return false;
    const asked = `${method} ${path}`;
    const known = this.lanAnswers.get(asked);
    if (known !== undefined) return known;
    const lan = this.router.match(path, method).pathAndMethod.some((layer) => layer.name !== undefined && this.lanRoutes.has(layer.name));
    if (this.lanAnswers.size >= LAN_ANSWERS_KEPT) this.lanAnswers.clear();
    this.lanAnswers.set(asked, lan);
    return lan;
  }
}

/** What a plugin uses to add routes: under /api/<pluginId>/ by default. */
export class PluginHttp {
  constructor(
    private readonly registry: HttpRegistry,
    readonly prefix: string,
  ) {}

  route<P, Params extends ZodType | undefined, Query extends ZodType | undefined, B extends BodySpec | undefined, R>(
    spec: RouteSpec<P, Params, Query, B, R>,
  ): void {
    this.registry.mount(`${this.prefix}${spec.path}`, spec as unknown as AnyRouteSpec);
  }

  /** For published protocols with their own versioned prefix (e.g. /api/proctor/v1/…). */
  routeAbsolute<P, Params extends ZodType | undefined, Query extends ZodType | undefined, B extends BodySpec | undefined, R>(
    spec: RouteSpec<P, Params, Query, B, R>,
  ): void {
    if (!spec.path.startsWith('/api/')) throw new Error(`绝对路由必须以 /api/ 开头：${spec.path}`);
    this.registry.mount(spec.path, spec as unknown as AnyRouteSpec);
  }

  /** `bearerFormat` tells generated clients this bearer apart from the admin session's. */
  registerSecurityScheme(name: string, description: string, bearerFormat: string): void {
    this.registry.openapi.registerSecurityScheme(name, description, bearerFormat);
  }
}
