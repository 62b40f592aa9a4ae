import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';

export class MonitorInit1764900000000 implements MigrationInterface {
  name = 'MonitorInit1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'monitor_room_snapshot',
        columns: [
          { name: 'roomCode', type: 'varchar', length: '16', isPrimary: true },
          { name: 'ip', type: 'varchar', length: '64', isNullable: true },
          { name: 'sessionNo', type: 'integer', isNullable: true },
          { name: 'state', type: 'varchar', length: '8', isNullable: true },
          { name: 'counts', type: 'text', isNullable: true },
          { name: 'dataImported', type: 'boolean', isNullable: true },
          { name: 'lastBeatAt', type: 'varchar', length: '32', isNullable: true },
          { name: 'savedAt', type: 'varchar', length: '32' },
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('monitor_room_snapshot');
  }
}

export const monitorMigrations = [MonitorInit1764900000000];
