import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One 封场检测 run (R5.1) as it was shown: every item and every room's result. */
@Entity({ name: 'seal_run' })
export class SealRunRow {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Column({ type: 'varchar', length: 32 })
  ranAt!: string;

  @Column({ type: 'boolean' })
  passed!: boolean;

  /** SealItemResult[] JSON. */
  @Column({ type: 'text' })
  items!: string;

  /** Per-room results JSON (the registration table's 封场检测 column). */
  @Column({ type: 'text' })
  rooms!: string;

  /** Outbox idempotency key of the report of a passing run (R5.2). */
  @Column({ type: 'varchar', length: 128, nullable: true })
  reportKey!: string | null;
}
