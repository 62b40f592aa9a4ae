import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One report to the centre, committed before any attempt to send it ("never lose a
 * result"). A row is delivered once the centre acknowledged its idempotencyKey.
 */
@Entity({ name: 'centre_outbox' })
export class CentreOutboxRow {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Index('IDX_centre_outbox_key', { unique: true })
  @Column({ type: 'varchar', length: 128 })
  idempotencyKey!: string;

  @Column({ type: 'varchar', length: 64 })
  kind!: string;

  /** Site code and mode when the report was made: a mock report never turns formal. */
  @Column({ type: 'varchar', length: 8 })
  siteCode!: string;

  @Column({ type: 'varchar', length: 8 })
  mode!: string;

  /** JSON text of the report's payload. */
  @Column({ type: 'text' })
  payload!: string;

  @Column({ type: 'varchar', length: 32 })
  createdAt!: string;

  @Column({ type: 'integer' })
  attempts!: number;

  @Column({ type: 'varchar', length: 32 })
  nextAttemptAt!: string;

  @Column({ type: 'text', nullable: true })
  lastError!: string | null;

  /** Site (PC) time when the centre's ack arrived; null while pending. */
  @Index('IDX_centre_outbox_delivered')
  @Column({ type: 'varchar', length: 32, nullable: true })
  deliveredAt!: string | null;

  /** The centre's own receipt time from its ack. */
  @Column({ type: 'varchar', length: 32, nullable: true })
  ackAt!: string | null;
}
