import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from '../../../../core/store/columns';

/** The loaded package (one row, id 1): what was loaded, when, and whether the centre confirmed it. */
@Entity({ name: 'load_release' })
export class LoadReleaseRow {
  @PrimaryColumn({ type: 'integer' })
  id!: number;

  @Column({ type: 'integer' })
  formatVersion!: number;

  @Column({ type: 'varchar', length: 8 })
  siteCode!: string;

  @Column({ type: 'varchar', length: 8 })
  mode!: 'formal' | 'mock';

  /** 考场数据发布时间, as written in the manifest. */
  @Column({ type: 'varchar', length: 32 })
  releaseTime!: string;

  @Column({ type: 'varchar', length: 64 })
  manifestSha256!: string;

  @Column({ type: 'bigint', transformer: bigintAsNumber })
  packageBytes!: number;

  /** 数据载入时间 */
  @Column({ type: 'varchar', length: 32 })
  loadedAt!: string;

  /** 手工导入时间; null when downloaded from the centre. */
  @Column({ type: 'varchar', length: 32, nullable: true })
  manualImportAt!: string | null;

  /** 是否通过校验: the centre confirmed this release is its latest. */
  @Column({ type: 'boolean' })
  verified!: boolean;

  /** 校验通过的时间 */
  @Column({ type: 'varchar', length: 32, nullable: true })
  verifiedAt!: string | null;

  /** The centre's result-encryption key from the signed manifest (format 1.1); null when absent. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  resultEncryptionKey!: string | null;

  /** Last outcome of the release check, shown when it did not pass. */
  @Column({ type: 'text', nullable: true })
  checkMessage!: string | null;
}
