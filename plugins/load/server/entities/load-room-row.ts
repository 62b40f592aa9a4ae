import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One exam room (考场) of the loaded package, with its registration code (注册码). */
@Entity({ name: 'load_room' })
export class LoadRoomRow {
  @PrimaryColumn({ type: 'varchar', length: 8 })
  roomCode!: string;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ type: 'varchar', length: 200 })
  address!: string;

  @Column({ type: 'integer' })
  seatRows!: number;

  @Column({ type: 'integer' })
  seatColumns!: number;

  /** Session numbers this room sits, JSON array. */
  @Column({ type: 'text' })
  sessionNos!: string;

  @Column({ type: 'integer' })
  candidateCount!: number;

  /** Kept across newer releases so registered proctor PCs keep working. */
  @Column({ type: 'varchar', length: 16 })
  registrationCode!: string;

  /** 数据载入时间 of the package that last wrote this room. */
  @Column({ type: 'varchar', length: 32 })
  loadedAt!: string;
}
