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

/** Incidents and notices (issue 11 point 7): low-rate, one row each. */
export class MonitorIncidentsNotices1765000000000 implements MigrationInterface {
  name = 'MonitorIncidentsNotices1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'monitor_incident',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'roomCode', type: 'varchar', length: '16' },
          { name: 'kind', type: 'varchar', length: '16' },
          { name: 'note', type: 'varchar', length: '500' },
          { name: 'ticketNo', type: 'varchar', length: '32', isNullable: true },
          { name: 'sessionNo', type: 'integer', isNullable: true },
          { name: 'reportedAt', type: 'varchar', length: '32' },
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'monitor_notice',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'roomCode', type: 'varchar', length: '16', isNullable: true },
          { name: 'text', type: 'varchar', length: '200' },
          { name: 'sentAt', type: 'varchar', length: '32' },
          { name: 'targetRooms', type: 'text' },
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'monitor_notice_ack',
        columns: [
          { name: 'noticeId', type: 'integer', isPrimary: true },
          { name: 'roomCode', type: 'varchar', length: '16', isPrimary: true },
          { name: 'ackedAt', type: 'varchar', length: '32' },
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('monitor_notice_ack');
    await q.dropTable('monitor_notice');
    await q.dropTable('monitor_incident');
  }
}

export const monitorMigrations = [MonitorInit1764900000000, MonitorIncidentsNotices1765000000000];
