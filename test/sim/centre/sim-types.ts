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
