import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from '../../../core/store/columns';

/** The accepted result package of one room and session (exactly one: R8.1, issue 12 point 4). */
@Entity({ name: 'collection_result' })
export class CollectedResultRow {
  @PrimaryColumn({ type: 'varchar', length: 16 })
  roomCode!: string;

  @PrimaryColumn({ type: 'integer' })
  sessionNo!: number;

  @Column({ type: 'varchar', length: 64 })
  packageSha256!: string;

  @Column({ type: 'bigint', transformer: bigintAsNumber })
  packageSize!: number;

  /** Path of the package inside the plugin folder (`results/<room>/<session>/<sha>.zip`). */
  @Column({ type: 'varchar', length: 255 })
  file!: string;

  /** 'http' | 'ftp' | 'manual' */
  @Column({ type: 'varchar', length: 8 })
  via!: string;

  @Column({ type: 'varchar', length: 32 })
  acceptedAt!: string;

  /** Per subject: present / absent / submitted tickets, from the signed manifest (JSON). */
  @Column({ type: 'text' })
  subjectsJson!: string;

  /** The signed receipt handed to the proctor (JSON), returned again for the same package. */
  @Column({ type: 'text' })
  receiptJson!: string;
}

/** A different package for a room and session already collected: kept aside for the administrator. */
@Entity({ name: 'collection_conflict' })
export class ResultConflictRow {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  packageSha256!: string;

  @Column({ type: 'varchar', length: 16 })
  roomCode!: string;

  @Column({ type: 'integer' })
  sessionNo!: number;

  @Column({ type: 'bigint', transformer: bigintAsNumber })
  packageSize!: number;

  @Column({ type: 'varchar', length: 255 })
  file!: string;

  @Column({ type: 'varchar', length: 8 })
  via!: string;

  @Column({ type: 'varchar', length: 32 })
  receivedAt!: string;
}
