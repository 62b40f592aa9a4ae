import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';

export class CollectionReportInit1764900000000 implements MigrationInterface {
  name = 'CollectionReportInit1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'collection_report_backup',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'dir', type: 'text' },
          { name: 'createdAt', type: 'varchar', length: '32' },
          { name: 'verifiedAt', type: 'varchar', length: '32', isNullable: true },
          { name: 'manifestSha256', type: 'varchar', length: '64' },
          { name: 'packagesJson', type: 'text' },
          { name: 'bytes', type: 'bigint' },
          { name: 'failure', type: 'text' },
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'collection_report_ack',
        columns: [
          { name: 'packageSha256', type: 'varchar', length: '64', isPrimary: true },
          { name: 'roomCode', type: 'varchar', length: '16' },
          { name: 'sessionNo', type: 'integer' },
          { name: 'uploadId', type: 'varchar', length: '128' },
          { name: 'receivedAt', type: 'varchar', length: '40' },
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('collection_report_ack');
    await q.dropTable('collection_report_backup');
  }
}

export const reportMigrations = [CollectionReportInit1764900000000];
