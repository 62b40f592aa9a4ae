import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from '../../../../core/store/columns';

/** One 第一步 backup (R8.5) and what it covers; the newest verified one enables 第二步. */
@Entity({ name: 'collection_report_backup' })
export class ResultBackupRow {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  /** The backup folder on the external drive. */
  @Column({ type: 'text' })
  dir!: string;

  @Column({ type: 'varchar', length: 32 })
  createdAt!: string;

  /** When the read-back check last passed; null when it failed. */
  @Column({ type: 'varchar', length: 32, nullable: true })
  verifiedAt!: string | null;

  @Column({ type: 'varchar', length: 64 })
  manifestSha256!: string;

  /** JSON array of the SHA-256 of every package the backup holds. */
  @Column({ type: 'text' })
  packagesJson!: string;

  @Column({ type: 'bigint', transformer: bigintAsNumber })
  bytes!: number;

  /** Why the last verification failed (Chinese), else ''. */
  @Column({ type: 'text' })
  failure!: string;
}

/** A result package the centre acknowledged (第二步): only this row makes it 已上报. */
@Entity({ name: 'collection_report_ack' })
export class ResultReportAckRow {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  packageSha256!: string;

  @Column({ type: 'varchar', length: 16 })
  roomCode!: string;

  @Column({ type: 'integer' })
  sessionNo!: number;

  @Column({ type: 'varchar', length: 128 })
  uploadId!: string;

  /** The centre's receivedAt. */
  @Column({ type: 'varchar', length: 40 })
  receivedAt!: string;
}
