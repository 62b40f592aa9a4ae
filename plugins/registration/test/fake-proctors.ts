import type { ZodType } from 'zod';
import { unauthorized } from '../../../core/http/errors';
import type { PluginHttp } from '../../../core/http/http-registry';
import { mergeErrorResponses, type AuthGuard, type BodySpec } from '../../../core/http/route';
import { definePlugin, type PluginDefinition } from '../../../core/kernel/plugin';
import { coreServices } from '../../../core/services';
import {
  PROCTOR_API_PREFIX,
  assertOwnRoom,
  proctorApiRef,
  proctorCredentialsRef,
  registrationDirectoryRef,
  type ProctorApi,
  type ProctorPrincipal,
  type ProctorRouteSpec,
  type RegistrationDirectory,
  type RoomRegistration,
} from '../api';

const TOKEN_PREFIX = 'fake-proctor-';

/**
 * 考场注册 as other stages see it, for their plugin tests: registered rooms (`register`),
 * the proctor API with its guard and room scope (`Authorization: Bearer <token(room)>`),
 * the credential check and the registration directory — without the registration plugin.
 * `plugin` provides the three refs; a proctor's requests carry `headers(roomCode)`.
 */
export class FakeProctors implements RegistrationDirectory {
  private readonly rooms = new Map<string, RoomRegistration>();
  private readonly listeners = new Set<(roomCode: string) => void>();
  readonly plugin: PluginDefinition;

  constructor() {
    this.plugin = definePlugin({
      manifest: { id: 'fake-registration', version: '1.0.0', host: '*', displayName: '考场注册（测试替身）' },
      register: (env) => {
        env.provideService(proctorApiRef, { deps: { http: coreServices.http }, factory: ({ http }) => new FakeProctorApi(http, this) });
        env.provideService(proctorCredentialsRef, { deps: {}, factory: () => ({ verify: (roomCode: string, token: string) => this.verify(roomCode, token) }) });
        env.provideService(registrationDirectoryRef, { deps: {}, factory: () => this });
      },
    });
  }

  /** Registers `roomCode` from `ip` (as POST /api/proctor/v1/register would). */
  register(roomCode: string, ip = '192.168.10.57', signingPublicKey: string | null = null): RoomRegistration {
    const r: RoomRegistration = { roomCode, registrationId: `REG-${roomCode}`, ip, machineId: `PC-${roomCode}`, clientVersion: '1.0.0', registeredAt: new Date().toISOString(), signingPublicKey };
    this.rooms.set(roomCode, r);
    for (const l of this.listeners) l(roomCode);
    return r;
  }

  token(roomCode: string): string {
    return `${TOKEN_PREFIX}${roomCode}`;
  }

  headers(roomCode: string): Record<string, string> {
    return { authorization: `Bearer ${this.token(roomCode)}` };
  }

  /** The principal of a token of a registered room; 401 as the real check answers otherwise. */
  principalOf(token: string | undefined): ProctorPrincipal {
    const registration = token?.startsWith(TOKEN_PREFIX) ? this.rooms.get(token.slice(TOKEN_PREFIX.length)) : undefined;
    if (!registration) throw unauthorized('PROCTOR_NO_CREDENTIALS', '本机尚未注册或凭证无效，请重新注册');
    return { roomCode: registration.roomCode, machineId: registration.machineId, registrationId: registration.registrationId, ip: registration.ip };
  }

  verify(roomCode: string, token: string): ProctorPrincipal {
    const principal = this.principalOf(token);
    if (principal.roomCode !== roomCode) throw unauthorized('PROCTOR_NO_CREDENTIALS', `凭证不属于考场 ${roomCode}`);
    return principal;
  }

  async list(): Promise<RoomRegistration[]> {
    return [...this.rooms.values()];
  }
  async of(roomCode: string): Promise<RoomRegistration | null> {
    return this.rooms.get(roomCode) ?? null;
  }
  onChanged(listener: (roomCode: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** Mounts proctor routes as the real ProctorLanApi does: prefix, guard, LAN reach, the declared room scope. */
class FakeProctorApi implements ProctorApi {
  readonly guard: AuthGuard<ProctorPrincipal>;

  constructor(
    private readonly http: PluginHttp,
    proctors: FakeProctors,
  ) {
    http.registerSecurityScheme('proctorCredential', '监考机凭证（测试替身）', 'proctor-credential');
    this.guard = {
      securityScheme: 'proctorCredential',
      errors: { 401: { description: '缺少凭证', codes: ['PROCTOR_NO_CREDENTIALS'] } },
      authenticate: async (ctx) => proctors.principalOf(/^bearer (.+)$/i.exec(ctx.get('authorization'))?.[1]),
    };
  }

  route<Params extends ZodType | undefined, Query extends ZodType | undefined, B extends BodySpec | undefined, R>(spec: ProctorRouteSpec<Params, Query, B, R>): void {
    const { room, handler, ...rest } = spec;
    this.http.routeAbsolute<ProctorPrincipal, Params, Query, B, R>({
      ...rest,
      path: `${PROCTOR_API_PREFIX}${spec.path}`,
      guard: this.guard,
      reach: 'lan',
      errors: room === 'own' ? spec.errors : mergeErrorResponses({ 403: { description: '不是本机注册的考场', codes: ['PROCTOR_OTHER_ROOM'] } }, spec.errors),
      handler: (input) => {
        if (room !== 'own') assertOwnRoom(input.principal, room(input));
        return handler(input);
      },
    });
  }
}
