import { Column, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { CentreOutboxRow } from '../centre/outbox-row';

/** Key/value settings of the site (site code, mode, …) owned by the host. */
@Entity({ name: 'core_setting' })
export class SettingRow {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  key!: string;

  @Column({ type: 'text' })
  value!: string;

  @Column({ type: 'varchar', length: 32 })
  updatedAt!: string;
}

@Entity({ name: 'core_admin_user' })
export class AdminUserRow {
  @PrimaryColumn({ type: 'varchar', length: 32 })
  username!: string;

  /** scrypt$N$r$p$salt$hash, see core/http/password.ts */
  @Column({ type: 'varchar', length: 255 })
  passwordHash!: string;

  @Column({ type: 'boolean' })
  isDefaultPassword!: boolean;

  @Column({ type: 'varchar', length: 32 })
  updatedAt!: string;
}

/** Admin login sessions; only the SHA-256 of the token is stored. */
@Entity({ name: 'core_admin_session' })
export class AdminSessionRow {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  tokenHash!: string;

  @Column({ type: 'varchar', length: 32 })
  username!: string;

  @Column({ type: 'varchar', length: 32 })
  createdAt!: string;

  @Column({ type: 'varchar', length: 32 })
  lastSeenAt!: string;
}

/** Security-relevant events: logins, lockouts, revocations, overrides. */
@Entity({ name: 'core_audit_log' })
export class AuditLogRow {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Index()
  @Column({ type: 'varchar', length: 32 })
  at!: string;

  @Column({ type: 'varchar', length: 64 })
  actor!: string;

  @Column({ type: 'varchar', length: 64 })
  action!: string;

  @Column({ type: 'text' })
  detail!: string;

  /** The room the entry concerns (filter 考场), from detail.roomCode or a proctor actor. */
  @Index()
  @Column({ type: 'varchar', length: 16, nullable: true })
  room!: string | null;

  /** Hash chain (core/auth/audit-chain.ts): the previous entry's hash and this entry's own. */
  @Column({ type: 'varchar', length: 64 })
  prevHash!: string;

  @Column({ type: 'varchar', length: 64 })
  hash!: string;
}

/** Two points of the audit chain: `head` (last entry) and `anchor` (where it starts after retention). */
@Entity({ name: 'core_audit_chain' })
export class AuditChainRow {
  @PrimaryColumn({ type: 'varchar', length: 16 })
  name!: 'head' | 'anchor';

  @Column({ type: 'integer' })
  entryId!: number;

  @Column({ type: 'varchar', length: 64 })
  hash!: string;
}

export const coreEntities = [SettingRow, AdminUserRow, AdminSessionRow, AuditLogRow, AuditChainRow, CentreOutboxRow];
