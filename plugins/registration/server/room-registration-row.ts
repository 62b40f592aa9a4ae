import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One registered proctor PC per room (R3.2). Only the SHA-256 of the credential is kept;
 * revoking deletes the row, so the credential fails on its next request (R3.3).
 */
@Entity({ name: 'registration_room' })
export class RoomRegistrationRow {
  @PrimaryColumn({ type: 'varchar', length: 16 })
  roomCode!: string;

  /** Stable id of this registration (survives a same-machine re-registration and KDINFO restore). */
  @Column({ type: 'varchar', length: 36 })
  registrationId!: string;

  @Column({ type: 'varchar', length: 128 })
  machineId!: string;

  @Column({ type: 'varchar', length: 64 })
  ip!: string;

  @Column({ type: 'varchar', length: 32 })
  clientVersion!: string;

  @Column({ type: 'varchar', length: 32 })
  registeredAt!: string;

  /** Hex SHA-256 of the bearer credential. */
  @Index('IDX_registration_room_credential', { unique: true })
  @Column({ type: 'varchar', length: 64 })
  credentialHash!: string;

  /** Ed25519 public key the proctor signs its result packages with; null for clients that sent none. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  signingPublicKey!: string | null;

  /** How the row came to be: 'register' (over the LAN) or 'restore' (KDINFO). */
  @Column({ type: 'varchar', length: 16 })
  source!: string;
}
