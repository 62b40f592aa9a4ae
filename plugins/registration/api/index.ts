import { registrationChangedTopic } from './contract';
import type { AuthGuard, RouteSpec, BodySpec } from '../../../core/http/route';
import type { z, ZodType } from 'zod';
import { createExtensionPoint, createServiceRef } from '../../../core/kernel/refs';
import { forbidden } from '../../../core/http/errors';

/** Public API of the 考场注册 stage (R3, R11): proctor identity for every other stage. */

export const PROCTOR_API_PREFIX = '/api/proctor/v1';

/** A registered proctor PC, as established by its credentials. */
export interface ProctorPrincipal {
  readonly roomCode: string;
  readonly machineId: string;
  readonly registrationId: string;
  readonly ip: string;
}

/** The validated request a room scope reads the room code from. */
export interface ProctorScopeInput<Params, Query> {
  readonly principal: ProctorPrincipal;
  readonly params: Params;
  readonly query: Query;
}

/**
 * Which room a proctor route touches. `'own'`: only the caller's room (nothing in the
 * request names one). A function: the room code the request names (params or query);
 * ProctorApi refuses it (403) unless it is the caller's room, before the handler runs.
 */
export type ProctorRoomScope<Params, Query> = 'own' | ((input: ProctorScopeInput<Params, Query>) => string);

type Parsed<S> = S extends ZodType ? z.output<S> : undefined;

/** A proctor route: a RouteSpec without guard, with its declared room scope. */
export type ProctorRouteSpec<Params extends ZodType | undefined, Query extends ZodType | undefined, B extends BodySpec | undefined, R> = Omit<
  RouteSpec<ProctorPrincipal, Params, Query, B, R>,
  'guard'
> & {
  /** Required: a route cannot forget to say which room it touches (issue 9 point 8). */
  readonly room: ProctorRoomScope<Parsed<Params>, Parsed<Query>>;
};

/**
 * The versioned proctor LAN API. Other stages add their proctor endpoints here; every
 * route gets the proctor guard (credentials issued at registration, revocable) and the
 * room check of its declared scope, enforced here rather than in each handler.
 */
export interface ProctorApi {
  readonly guard: AuthGuard<ProctorPrincipal>;
  /** `spec.path` is relative to /api/proctor/v1 (e.g. `/sessions/:no/key`). */
  route<Params extends ZodType | undefined, Query extends ZodType | undefined, B extends BodySpec | undefined, R>(
    spec: ProctorRouteSpec<Params, Query, B, R>,
  ): void;
}

/**
 * Protocol-neutral credential check (token → principal), for proctor paths outside the
 * HTTP API (the FTP server): `verify(roomCode, token)` returns the principal of that room's
 * registration, or throws a 401 AppError (no / revoked credential, or a credential of
 * another room) with a Chinese message.
 */
export interface ProctorCredentialCheck {
  verify(roomCode: string, token: string): ProctorPrincipal;
}

export interface RoomRegistration {
  readonly roomCode: string;
  /** Stable id of the registration (kept across same-machine re-registration and KDINFO restore). */
  readonly registrationId: string;
  readonly ip: string;
  readonly machineId: string;
  readonly clientVersion: string;
  readonly registeredAt: string;
  /** Ed25519 key (base64url) the proctor signs result packages with; null if its client sent none. */
  readonly signingPublicKey: string | null;
}

export interface RegistrationDirectory {
  list(): Promise<RoomRegistration[]>;
  of(roomCode: string): Promise<RoomRegistration | null>;
  /** Called after a room changed; with '*' after a bulk change (restore, initialization). */
  onChanged(listener: (roomCode: string) => void): () => void;
}

export { REGISTRATION_STEP, registrationChangedTopic, registrationLocksTopic, type RegistrationChangedEvent } from './contract';
/** Id of `registrationChangedTopic`. */
export const REGISTRATION_CHANGED_EVENT = registrationChangedTopic.id;

/**
 * Room isolation (R11, security bar): a proctor only ever sees its own room. ProctorApi
 * calls this for every route's declared scope; code outside the HTTP API may call it too.
 */
export function assertOwnRoom(principal: ProctorPrincipal, roomCode: string): void {
  if (principal.roomCode !== roomCode) {
    throw forbidden('PROCTOR_OTHER_ROOM', `本机注册的是考场 ${principal.roomCode}，无权访问考场 ${roomCode} 的数据`);
  }
}

/** One room's 封场检测 result for the registration table (R5.3). */
export interface RoomSealStatus {
  readonly passed: boolean;
  /** When the check ran (ISO-8601). */
  readonly checkedAt: string;
  /** Chinese reason when it failed. */
  readonly reason?: string;
}

/** Contributed by the 封场检测 stage; the registration table shows its answer in 封场检测. */
export interface RoomSealStatusSource {
  statusOf(roomCodes: readonly string[]): Promise<Readonly<Record<string, RoomSealStatus>>>;
}

export const proctorApiRef = createServiceRef<ProctorApi>('registration.proctorApi', '监考机局域网协议（/api/proctor/v1）');
export const proctorCredentialsRef = createServiceRef<ProctorCredentialCheck>('registration.credentials', '监考机凭证校验（与协议无关：HTTP 之外如 FTP 登录）');
export const registrationDirectoryRef = createServiceRef<RegistrationDirectory>('registration.directory', '考场注册情况');
export const roomSealStatusPoint = createExtensionPoint<RoomSealStatusSource>(
  'registration.roomSealStatus',
  '考场注册表“封场检测”列的数据来源',
);
