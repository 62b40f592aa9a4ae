import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The last known state of one room, written in batches (never per heartbeat) so a restart
 * can show the rooms again, as `unknown` until they beat (R7.2).
 */
@Entity({ name: 'monitor_room_snapshot' })
export class RoomSnapshotRow {
  @PrimaryColumn({ type: 'varchar', length: 16 })
  roomCode!: string;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip!: string | null;

  @Column({ type: 'integer', nullable: true })
  sessionNo!: number | null;

  /** 'idle' | 'started' | 'ended' */
  @Column({ type: 'varchar', length: 8, nullable: true })
  state!: string | null;

  /** RoomCounts JSON. */
  @Column({ type: 'text', nullable: true })
  counts!: string | null;

  @Column({ type: 'boolean', nullable: true })
  dataImported!: boolean | null;

  /** Site time of the last heartbeat before the snapshot. */
  @Column({ type: 'varchar', length: 32, nullable: true })
  lastBeatAt!: string | null;

  @Column({ type: 'varchar', length: 32 })
  savedAt!: string;
}
