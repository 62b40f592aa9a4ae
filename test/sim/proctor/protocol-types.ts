/**
 * Types of the proctor LAN protocol v1 as a client sees them (docs/proctor-protocol.md).
 * Written from the published document, not imported from the server, so the reference
 * client proves the protocol can be implemented from its description alone.
 */

export const PROCTOR_API_PREFIX = '/api/proctor/v1';

export interface RegisterRequest {
  readonly roomCode: string;
  readonly registrationCode: string;
  readonly machineId: string;
  readonly clientVersion: string;
  /** Ed25519 public key (base64url) this PC signs its result packages with. */
  readonly signingPublicKey?: string;
}

export interface RegisterResponse {
  readonly token: string;
  readonly tokenType: 'Bearer';
  readonly expiresAt: null;
  readonly siteCode: string;
  readonly roomCode: string;
  readonly machineId: string;
  readonly registrationId: string;
  readonly registeredAt: string;
  readonly registeredIp: string;
  readonly alreadyRegistered: boolean;
  readonly apiBase: string;
}

export interface WhoamiResponse {
  readonly siteCode: string;
  readonly mode: 'formal' | 'mock';
  readonly roomCode: string;
  readonly machineId: string;
  readonly registrationId: string;
  readonly registeredIp: string;
}

export interface RoomSession {
  readonly no: number;
  readonly name: string;
  readonly startsAt: string;
  readonly durationMinutes: number;
  readonly subjects: readonly { code: string; name: string }[];
}

export interface RoomCandidate {
  readonly ticketNo: string;
  readonly name: string;
  readonly gender: '男' | '女';
  readonly idCardMasked: string;
  readonly sessionNo: number;
  readonly seatNo: number;
  readonly subjectCodes: readonly string[];
}

export interface RoomResponse {
  readonly siteCode: string;
  readonly roomCode: string;
  readonly roomName: string;
  readonly address: string;
  readonly releaseTime: string;
  readonly sessions: readonly RoomSession[];
  readonly candidates: readonly RoomCandidate[];
  readonly seats: readonly { sessionNo: number; seatNo: number; ticketNo: string }[];
  /** The centre's result-encryption key (X25519, base64url); null when the package has none. */
  readonly resultEncryptionKey: string | null;
}

/** Every error answer: a stable code and a Chinese message for the proctor's screen. */
export interface ErrorResponse {
  readonly error: { readonly code: string; readonly message: string; readonly requestId?: string };
}
