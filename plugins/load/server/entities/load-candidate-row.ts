import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One candidate's seat in one session of one room. */
@Entity({ name: 'load_candidate' })
@Index('IDX_load_candidate_ticket', ['ticketNo'])
export class LoadCandidateRow {
  @PrimaryColumn({ type: 'varchar', length: 8 })
  roomCode!: string;

  @PrimaryColumn({ type: 'integer' })
  sessionNo!: number;

  @PrimaryColumn({ type: 'integer' })
  seatNo!: number;

  @Column({ type: 'varchar', length: 24 })
  ticketNo!: string;

  @Column({ type: 'varchar', length: 50 })
  name!: string;

  @Column({ type: 'varchar', length: 2 })
  gender!: '男' | '女';

  @Column({ type: 'varchar', length: 18 })
  idCardMasked!: string;

  /** Subject codes as a comma-separated list (codes never contain commas). */
  @Column({ type: 'varchar', length: 400 })
  subjectCodes!: string;
}
