import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The authorization held for one session of one mode (R4), and its verification (R6.2).
 * Holds the signed envelope as evidence and the key wrapped for the dongle — never the
 * plaintext content key, which lives in memory only.
 */
@Entity({ name: 'authorization_session' })
export class SessionAuthorizationRow {
  /** 'formal' | 'mock': mock authorizations never count for a formal exam (R9.6). */
  @PrimaryColumn({ type: 'varchar', length: 8 })
  mode!: string;

  @PrimaryColumn({ type: 'integer' })
  sessionNo!: number;

  @Column({ type: 'varchar', length: 8 })
  siteCode!: string;

  @Column({ type: 'varchar', length: 32 })
  dongleId!: string;

  /** The replay floor: a lower version is refused. */
  @Column({ type: 'integer' })
  version!: number;

  /** The .PTQ as received (SignedEnvelope JSON). */
  @Column({ type: 'text' })
  envelope!: string;

  @Column({ type: 'varchar', length: 32 })
  windowStartsAt!: string;

  @Column({ type: 'varchar', length: 32 })
  windowEndsAt!: string;

  @Column({ type: 'varchar', length: 32 })
  notAfter!: string;

  @Column({ type: 'varchar', length: 64 })
  packageManifestSha256!: string;

  /** WrappedKey JSON (X25519, for the dongle). Useless without the dongle. */
  @Column({ type: 'text' })
  wrappedKey!: string;

  /** 'online' | 'file' */
  @Column({ type: 'varchar', length: 16 })
  source!: string;

  /** PC time of the import (log only). */
  @Column({ type: 'varchar', length: 32 })
  authorizedAt!: string;

  /** Trusted (dongle) time of the verification; null until 授权验证 passed. */
  @Column({ type: 'varchar', length: 32, nullable: true })
  verifiedAt!: string | null;

  @Column({ type: 'varchar', length: 16, nullable: true })
  verificationSource!: string | null;

  /** The verification file as received (evidence). */
  @Column({ type: 'text', nullable: true })
  verificationEnvelope!: string | null;
}
