import { Table, TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/** Tables of the 载入考务 stage (R2), portable DDL through TypeORM's Table API. */
export class LoadInit1764300000000 implements MigrationInterface {
  name = 'LoadInit1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'load_release',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true },
          { name: 'formatVersion', type: 'integer' },
          { name: 'siteCode', type: 'varchar', length: '8' },
          { name: 'mode', type: 'varchar', length: '8' },
          { name: 'releaseTime', type: 'varchar', length: '32' },
          { name: 'manifestSha256', type: 'varchar', length: '64' },
          { name: 'packageBytes', type: 'bigint' },
          { name: 'loadedAt', type: 'varchar', length: '32' },
          { name: 'manualImportAt', type: 'varchar', length: '32', isNullable: true },
          { name: 'verified', type: 'boolean' },
          { name: 'verifiedAt', type: 'varchar', length: '32', isNullable: true },
          { name: 'checkMessage', type: 'text', isNullable: true },
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'load_room',
        columns: [
          { name: 'roomCode', type: 'varchar', length: '8', isPrimary: true },
          { name: 'name', type: 'varchar', length: '100' },
          { name: 'address', type: 'varchar', length: '200' },
          { name: 'seatRows', type: 'integer' },
          { name: 'seatColumns', type: 'integer' },
          { name: 'sessionNos', type: 'text' },
          { name: 'candidateCount', type: 'integer' },
          { name: 'registrationCode', type: 'varchar', length: '16' },
          { name: 'loadedAt', type: 'varchar', length: '32' },
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'load_session',
        columns: [
          { name: 'no', type: 'integer', isPrimary: true },
          { name: 'name', type: 'varchar', length: '100' },
          { name: 'startsAt', type: 'varchar', length: '32' },
          { name: 'durationMinutes', type: 'integer' },
          { name: 'subjects', type: 'text' },
          { name: 'contentSha256', type: 'varchar', length: '64' },
          { name: 'contentBytes', type: 'bigint' },
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'load_candidate',
        columns: [
          { name: 'roomCode', type: 'varchar', length: '8', isPrimary: true },
          { name: 'sessionNo', type: 'integer', isPrimary: true },
          { name: 'seatNo', type: 'integer', isPrimary: true },
          { name: 'ticketNo', type: 'varchar', length: '24' },
          { name: 'name', type: 'varchar', length: '50' },
          { name: 'gender', type: 'varchar', length: '2' },
          { name: 'idCardMasked', type: 'varchar', length: '18' },
          { name: 'subjectCodes', type: 'varchar', length: '400' },
        ],
      }),
    );
    await q.createIndex('load_candidate', new TableIndex({ name: 'IDX_load_candidate_ticket', columnNames: ['ticketNo'] }));
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['load_candidate', 'load_session', 'load_room', 'load_release']) await q.dropTable(t);
  }
}

/** Package format 1.1: the centre's result-encryption key (issue 12 point 1). */
export class LoadResultKey1764960000000 implements MigrationInterface {
  name = 'LoadResultKey1764960000000';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn('load_release', new TableColumn({ name: 'resultEncryptionKey', type: 'varchar', length: '64', isNullable: true }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn('load_release', 'resultEncryptionKey');
  }
}

export const loadMigrations = [LoadInit1764300000000, LoadResultKey1764960000000];
