import type { ReportedIncident } from '../../../plugins/monitor/api/centre-reports';
/**
 * Shared types of the centre simulator. The simulator's server/CLI (test/sim/centre/*)
 * and the generators of each stage's files (package, PTQ, …) meet here.
 */

export interface SimSessionSpec {
  readonly no: number;
  readonly name: string;
  /** ISO-8601 with offset, e.g. 2026-12-20T09:00:00+08:00 */
  readonly startsAt: string;
  readonly durationMinutes: number;
}

export interface SitePackageSpec {
  readonly siteCode: string;
  readonly mode: 'formal' | 'mock';
  readonly rooms: number;
  readonly candidatesPerRoom: number;
  readonly sessions: readonly SimSessionSpec[];
  /** 考场数据发布时间, ISO-8601 */
  readonly releaseTime: string;
  /** Makes names and seats reproducible. */
  readonly seed?: number;
  /** The centre's result-encryption public key (X25519) put in the manifest (format 1.1). */
  readonly resultEncryptionKey?: string;
}

/** The centre's signing identity (Ed25519), kept in the simulator's data folder. */
export interface CentreSigningKey {
  readonly keyId: string;
  readonly publicKey: string;
  readonly privateKeyPem: string;
}

export interface BuiltPackage {
  readonly bytes: Buffer;
  readonly siteCode: string;
  readonly mode: 'formal' | 'mock';
  readonly releaseTime: string;
  readonly manifestSha256: string;
  /** Per session: the AES-256 content key (base64) that authorizations will carry. */
  readonly sessionKeys: Readonly<Record<number, string>>;
  readonly sessions: readonly SimSessionSpec[];
  readonly roomCodes: readonly string[];
}

/** Implemented by the load stage's generator (test/sim/centre/package-builder.ts). */
export type PackageBuilder = (spec: SitePackageSpec, key: CentreSigningKey) => Promise<BuiltPackage>;

// ---- added by the centre-link stage (simulator server, issuers, faults, records) ---------

/** A dongle as the centre knows it after 机考锁注册. */
export interface SimDongle {
  readonly id: string;
  readonly signingPublicKey: string;
  readonly wrappingPublicKey: string;
  readonly siteCode: string;
  readonly registeredAt: string;
}

/** What an authorization issuer gets for one session of one published package. */
export interface AuthorizationIssueContext {
  readonly siteCode: string;
  readonly mode: 'formal' | 'mock';
  readonly sessionNo: number;
  readonly dongle: { readonly id: string; readonly wrappingPublicKey: string; readonly signingPublicKey: string };
  readonly session: SimSessionSpec;
  /** The session's AES-256 content key (base64) from the published package. */
  readonly contentKey: string;
  readonly key: CentreSigningKey;
  readonly releaseTime: string;
  readonly manifestSha256: string;
}

export interface AuthorizationVerifyContext extends AuthorizationIssueContext {
  /** The centre's time of the verification request (ISO). */
  readonly now: string;
  /** The version of the authorization being verified (default: the issuer's default for the release). */
  readonly authorizationVersion?: number;
}

/**
 * Produces the bytes of a session's authorization (.PTQ) and of an authorization
 * verification file. Implemented by the authorization stage; registered in
 * test/sim/centre/authorization-issuers.ts. While none is registered the simulator
 * answers 501 on those routes.
 */
export interface AuthorizationIssuer {
  readonly id: string;
  issue(ctx: AuthorizationIssueContext): Promise<Buffer>;
  verify(ctx: AuthorizationVerifyContext): Promise<Buffer>;
}

/**
 * Fault injection. `down`: 503 on every /v1 route (or `closeSockets`: the connection is
 * destroyed); `slow`: each reply waits `delayMs`; `error500`: 500 without processing;
 * `truncate`: the request IS processed, then the reply is cut half-way (the socket closes);
 * `tamper`: one byte of each signed reply (envelopes, package, files) is flipped.
 * `only`: limit the fault to paths starting with this prefix (e.g. '/v1/reports').
 */
export type SimFaultMode = 'none' | 'down' | 'slow' | 'error500' | 'truncate' | 'tamper';

export interface SimFault {
  readonly mode: SimFaultMode;
  readonly delayMs?: number;
  readonly closeSockets?: boolean;
  readonly only?: string;
}

/** One report as the simulated centre recorded it (first receipt, plus how often it came). */
export interface SimReportRecord {
  readonly idempotencyKey: string;
  readonly kind: string;
  readonly siteCode: string;
  readonly mode: 'formal' | 'mock';
  readonly createdAt: string;
  readonly payload: unknown;
  readonly receivedAt: string;
  /** Every POST of this key, duplicates included (a re-send after a lost ack counts here). */
  readonly receivedCount: number;
}

/** An incident as the centre learned it from a room status report. */
export interface SimIncidentRecord extends ReportedIncident {
  readonly siteCode: string;
  readonly roomCode: string;
  /** Idempotency key of the first report that carried it. */
  readonly firstReportedIn: string;
}

export interface SimUploadRecord {
  readonly uploadId: string;
  readonly length: number;
  readonly sha256: string;
  readonly metadata: unknown;
  readonly offset: number;
  readonly complete: boolean;
  readonly startedAt: string;
  readonly completedAt: string | null;
  /** Path of the stored file (complete uploads) inside the simulator's data folder. */
  readonly file: string | null;
  /** PATCH requests received (a resumed upload has more than one). */
  readonly patches: number;
}

/** A published package as the simulator keeps it (`<data>/packages/<site>-<mode>/release.json`). */
export interface SimPublishedRelease {
  readonly siteCode: string;
  readonly mode: 'formal' | 'mock';
  readonly releaseTime: string;
  readonly manifestSha256: string;
  /** SHA-256 and size of package.zip. */
  readonly sha256: string;
  readonly size: number;
  readonly sessionKeys: Readonly<Record<number, string>>;
  readonly sessions: readonly SimSessionSpec[];
  readonly roomCodes: readonly string[];
  readonly publishedAt: string;
}
