import type { AuthGuard, RouteSpec, BodySpec } from '../../../core/http/route';
import type { ZodType } from 'zod';
import { createServiceRef } from '../../../core/kernel/refs';

/** Public API of the 考场注册 stage (R3, R11): proctor identity for every other stage. */

export const PROCTOR_API_PREFIX = '/api/proctor/v1';

/** A registered proctor PC, as established by its credentials. */
export interface ProctorPrincipal {
  readonly roomCode: string;
  readonly machineId: string;
  readonly registrationId: string;
  readonly ip: string;
}

/**
 * The versioned proctor LAN API. Other stages add their proctor endpoints here; every
 * route gets the proctor guard (credentials issued at registration, revocable).
 */
export interface ProctorApi {
  readonly guard: AuthGuard<ProctorPrincipal>;
  /** `spec.path` is relative to /api/proctor/v1 (e.g. `/sessions/:no/key`). */
  route<Params extends ZodType | undefined, Query extends ZodType | undefined, B extends BodySpec | undefined, R>(
    spec: Omit<RouteSpec<ProctorPrincipal, Params, Query, B, R>, 'guard'>,
  ): void;
}

export interface RoomRegistration {
  readonly roomCode: string;
  readonly ip: string;
  readonly machineId: string;
  readonly clientVersion: string;
  readonly registeredAt: string;
}

export interface RegistrationDirectory {
  list(): Promise<RoomRegistration[]>;
  of(roomCode: string): Promise<RoomRegistration | null>;
  onChanged(listener: (roomCode: string) => void): () => void;
}

export const proctorApiRef = createServiceRef<ProctorApi>('registration.proctorApi', '监考机局域网协议（/api/proctor/v1）');
export const registrationDirectoryRef = createServiceRef<RegistrationDirectory>('registration.directory', '考场注册情况');
