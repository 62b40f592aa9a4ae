import type { Context } from 'koa';
import type { ZodType } from 'zod';
import type { PluginHttp } from '../../../core/http/http-registry';
import { mergeErrorResponses, type AuthGuard, type BodySpec, type ErrorResponses, type RouteSpec } from '../../../core/http/route';
import { PROCTOR_API_PREFIX, assertOwnRoom, type ProctorApi, type ProctorPrincipal, type ProctorRouteSpec } from '../api';
import type { RegistrationService } from './registration-service';

export const PROCTOR_SECURITY_SCHEME = 'proctorCredential';
export const PROCTOR_TAG = '监考机协议 v1';

/** `Authorization: Bearer <token>`; the proctor protocol takes no cookies. */
export function bearerOf(ctx: Context): string | undefined {
  const header = ctx.get('authorization');
  if (!header.toLowerCase().startsWith('bearer ')) return undefined;
  return header.slice(7).trim() || undefined;
}

/**
 * The versioned proctor LAN API (R11.1). Every route mounted through it lives under
 * /api/proctor/v1, carries the proctor guard, answers the whole LAN (not only the site PC)
 * and appears in the OpenAPI document.
 */
export class ProctorLanApi implements ProctorApi {
  readonly guard: AuthGuard<ProctorPrincipal>;

  constructor(
    private readonly http: PluginHttp,
    registrations: RegistrationService,
  ) {
    http.registerSecurityScheme(
      PROCTOR_SECURITY_SCHEME,
      '监考机凭证：POST /api/proctor/v1/register 返回的 token，放在 Authorization: Bearer <token>；考试期间不过期，考点撤销注册后立即失效',
      'proctor-credential',
    );
    this.guard = {
      securityScheme: PROCTOR_SECURITY_SCHEME,
      errors: { 401: { description: '缺少凭证，或本机注册已被考点撤销（请重新注册）', codes: ['PROCTOR_NO_CREDENTIALS', 'PROCTOR_REVOKED'] } },
      authenticate: async (ctx) => registrations.authenticate(bearerOf(ctx)),
    };
  }

  route<Params extends ZodType | undefined, Query extends ZodType | undefined, B extends BodySpec | undefined, R>(
    spec: ProctorRouteSpec<Params, Query, B, R>,
  ): void {
    if (!spec.path.startsWith('/')) throw new Error(`监考机接口路径必须以 / 开头：${spec.path}`);
    const { room, handler, ...rest } = spec;
    if (room !== 'own' && typeof room !== 'function') throw new Error(`监考机接口 ${spec.path} 没有声明它访问的考场（room）`);
    this.http.routeAbsolute<ProctorPrincipal, Params, Query, B, R>({
      ...rest,
      // The scope is checked here, after validation and before the handler: no handler
      // can forget it (issue 9 point 8).
      handler: (input) => {
        if (room !== 'own') assertOwnRoom(input.principal, room(input));
        return handler(input);
      },
      path: `${PROCTOR_API_PREFIX}${spec.path}`,
      tags: spec.tags ?? [PROCTOR_TAG],
      errors: mergeErrorResponses(scopeErrors(room), spec.errors),
      guard: this.guard,
      reach: 'lan',
    });
  }

  /** For the unauthenticated register route only. */
  routePublic<Params extends ZodType | undefined, Query extends ZodType | undefined, B extends BodySpec | undefined, R>(
    spec: RouteSpec<null, Params, Query, B, R>,
  ): void {
    this.http.routeAbsolute<null, Params, Query, B, R>({ ...spec, path: `${PROCTOR_API_PREFIX}${spec.path}`, tags: spec.tags ?? [PROCTOR_TAG], reach: 'lan' });
  }
}

function scopeErrors(room: unknown): ErrorResponses {
  return room === 'own' ? {} : { 403: { description: '不是本机注册的考场', codes: ['PROCTOR_OTHER_ROOM'] } };
}
