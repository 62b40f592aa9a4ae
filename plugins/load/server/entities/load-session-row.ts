import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from '../../../../core/store/columns';

/** One session (场次) with the address of its sealed content file. */
@Entity({ name: 'load_session' })
export class LoadSessionRow {
  @PrimaryColumn({ type: 'integer' })
  no!: number;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ type: 'varchar', length: 32 })
  startsAt!: string;

  @Column({ type: 'integer' })
  durationMinutes!: number;

  /** [{code, name}] as JSON. */
  @Column({ type: 'text' })
  subjects!: string;

  /** SHA-256 of the sealed content; also its file name under the plugin's content folder. */
  @Column({ type: 'varchar', length: 64 })
  contentSha256!: string;

  @Column({ type: 'bigint', transformer: bigintAsNumber })
  contentBytes!: number;
}
