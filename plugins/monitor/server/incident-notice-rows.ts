import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/** An incident a proctor reported of its room (issue 11 point 7): one write each, kept. */
@Entity({ name: 'monitor_incident' })
export class IncidentRow {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Column({ type: 'varchar', length: 16 })
  roomCode!: string;

  /** 考生机故障 · 换机 · 违纪 · 其他 */
  @Column({ type: 'varchar', length: 16 })
  kind!: string;

  @Column({ type: 'varchar', length: 500 })
  note!: string;

  @Column({ type: 'varchar', length: 32, nullable: true })
  ticketNo!: string | null;

  @Column({ type: 'integer', nullable: true })
  sessionNo!: number | null;

  /** Site time (trusted clock when calibrated). */
  @Column({ type: 'varchar', length: 32 })
  reportedAt!: string;
}

/** A notice the administrator sent to every room or one room. */
@Entity({ name: 'monitor_notice' })
export class NoticeRow {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  /** null: every room. */
  @Column({ type: 'varchar', length: 16, nullable: true })
  roomCode!: string | null;

  @Column({ type: 'varchar', length: 200 })
  text!: string;

  @Column({ type: 'varchar', length: 32 })
  sentAt!: string;

  /** JSON string[]: the rooms it was meant for when sent (every loaded room, or the one). */
  @Column({ type: 'text' })
  targetRooms!: string;
}

/** One room's acknowledgement of a notice. */
@Entity({ name: 'monitor_notice_ack' })
export class NoticeAckRow {
  @PrimaryColumn({ type: 'integer' })
  noticeId!: number;

  @PrimaryColumn({ type: 'varchar', length: 16 })
  roomCode!: string;

  @Column({ type: 'varchar', length: 32 })
  ackedAt!: string;
}
