// Shapes of the admin API under /api/registration/ (see /api/openapi.json, tag 考场注册).

export interface RoomRegistrationView {
  ip: string;
  machineId: string;
  clientVersion: string;
  registeredAt: string;
  registrationId: string;
}

export interface RegistrationRow {
  roomCode: string;
  registrationCode: string;
  registration: RoomRegistrationView | null;
  sealCheck: { passed: boolean; checkedAt: string; reason?: string } | null;
  note: string;
}

export interface RegistrationTable {
  siteCode: string | null;
  /** Plain HTTP: only for proctor software that cannot do TLS. */
  siteUrl: string;
  /** The same port over TLS; proctors pin tlsFingerprint256. */
  siteTlsUrl: string;
  tlsFingerprint256: string;
  dataLoaded: boolean;
  registeredCount: number;
  unregisteredCount: number;
  rooms: RegistrationRow[];
}

export interface RoomView {
  roomCode: string;
  roomName: string;
  address: string;
  registrationCode: string;
  registration: RoomRegistrationView | null;
  sessions: { no: number; name: string; startsAt: string; durationMinutes: number }[];
  candidates: { ticketNo: string; name: string; gender: string; sessionNo: number; seatNo: number }[];
}

export interface ExportResult {
  folder: string;
  htmlFile: string;
  kdinfoFile: string;
  roomCount: number;
  registeredCount: number;
}

export interface RestoreResult {
  restored: string[];
  kept: { roomCode: string; reason: string }[];
  /** Registrations in the file this site revoked since: not restored. */
  revoked: { roomCode: string; reason: string }[];
  message: string;
}

/** A registration-code lock: one address, for one room or for all. */
export interface GuessLock {
  scope: 'room-address' | 'address';
  ip: string;
  roomCode: string | null;
  lockedAt: string;
  until: string;
}

