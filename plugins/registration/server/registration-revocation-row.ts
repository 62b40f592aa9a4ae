import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Why a credential ended: 'imported' came in with a KDINFO's revocation list. */
export type RevocationReason = 'revoked' | 'reregistered' | 'dropped' | 'imported';

/**
 * A proctor credential this site ended (issue 10 point 3). Kept so that 恢复注册 from a KDINFO
 * written before the revocation cannot bring the credential back; carried in every KDINFO.
 */
@Entity({ name: 'registration_revocation' })
export class RegistrationRevocationRow {
  /** Hex SHA-256 of the ended credential. */
  @PrimaryColumn({ type: 'varchar', length: 64 })
  credentialHash!: string;

  /** Empty for an entry imported from a KDINFO (the file carries hashes only). */
  @Column({ type: 'varchar', length: 16 })
  roomCode!: string;

  @Column({ type: 'varchar', length: 36 })
  registrationId!: string;

  @Column({ type: 'varchar', length: 32 })
  revokedAt!: string;

  @Column({ type: 'varchar', length: 16 })
  reason!: RevocationReason;
}
