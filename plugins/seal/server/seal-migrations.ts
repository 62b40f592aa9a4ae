import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';

export class SealInit1764950000000 implements MigrationInterface {
  name = 'SealInit1764950000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'seal_run',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'ranAt', type: 'varchar', length: '32' },
          { name: 'passed', type: 'boolean' },
          { name: 'items', type: 'text' },
          { name: 'rooms', type: 'text' },
          { name: 'reportKey', type: 'varchar', length: '128', isNullable: true },
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('seal_run');
  }
}

export const sealMigrations = [SealInit1764950000000];
