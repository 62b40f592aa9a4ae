import { registrationChangedTopic } from './contract';
import type { AuthGuard, RouteSpec, BodySpec } from '../../../core/http/route';
import type { ZodType } from 'zod';
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
  /** Stable id of the registration (kept across same-machine re-registration and KDINFO restore). */
  readonly registrationId: string;
  readonly ip: string;
  readonly machineId: string;
  readonly clientVersion: string;
  readonly registeredAt: string;
}

export interface RegistrationDirectory {
  list(): Promise<RoomRegistration[]>;
  of(roomCode: string): Promise<RoomRegistration | null>;
  /** Called after a room changed; with '*' after a bulk change (restore, initialization). */
  onChanged(listener: (roomCode: string) => void): () => void;
  /** 系统初始化 (R9.3): forget every registration; every proctor credential fails at once. */
  clearAll(actor: string): Promise<void>;
  /** Re-reads the registrations from the database (after a 系统恢复 replaced it). */
  reload(): Promise<void>;
}

export { registrationChangedTopic, type RegistrationChangedEvent } from './contract';
/** Id of `registrationChangedTopic`. */
export const REGISTRATION_CHANGED_EVENT = registrationChangedTopic.id;

/**
 * Room isolation (R11, security bar): a proctor only ever sees its own room. Every proctor
 * handler that takes a room code from the request calls this (403 otherwise).
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
export const registrationDirectoryRef = createServiceRef<RegistrationDirectory>('registration.directory', '考场注册情况');
export const roomSealStatusPoint = createExtensionPoint<RoomSealStatusSource>(
  'registration.roomSealStatus',
  '考场注册表“封场检测”列的数据来源',
);
