import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';

export class CollectionInit1764950000000 implements MigrationInterface {
  name = 'CollectionInit1764950000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'collection_result',
        columns: [
          { name: 'roomCode', type: 'varchar', length: '16', isPrimary: true },
          { name: 'sessionNo', type: 'integer', isPrimary: true },
          { name: 'packageSha256', type: 'varchar', length: '64' },
          { name: 'packageSize', type: 'bigint' },
          { name: 'file', type: 'varchar', length: '255' },
          { name: 'via', type: 'varchar', length: '8' },
          { name: 'acceptedAt', type: 'varchar', length: '32' },
          { name: 'subjectsJson', type: 'text' },
          { name: 'receiptJson', type: 'text' },
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'collection_conflict',
        columns: [
          { name: 'packageSha256', type: 'varchar', length: '64', isPrimary: true },
          { name: 'roomCode', type: 'varchar', length: '16' },
          { name: 'sessionNo', type: 'integer' },
          { name: 'packageSize', type: 'bigint' },
          { name: 'file', type: 'varchar', length: '255' },
          { name: 'via', type: 'varchar', length: '8' },
          { name: 'receivedAt', type: 'varchar', length: '32' },
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('collection_conflict');
    await q.dropTable('collection_result');
  }
}

export const collectionMigrations = [CollectionInit1764950000000];
