import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { CentreOutboxInit1764250000000 } from '../centre/outbox-migration';
import { AuditChain1765000000000 } from './audit-chain-migration';

/** Portable DDL through TypeORM's Table API: the same migration runs on SQLite and PostgreSQL. */
export class CoreInit1764201600000 implements MigrationInterface {
  name = 'CoreInit1764201600000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'core_setting',
        columns: [
          { name: 'key', type: 'varchar', length: '64', isPrimary: true },
          { name: 'value', type: 'text' },
          { name: 'updatedAt', type: 'varchar', length: '32' },
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'core_admin_user',
        columns: [
          { name: 'username', type: 'varchar', length: '32', isPrimary: true },
          { name: 'passwordHash', type: 'varchar', length: '255' },
          { name: 'isDefaultPassword', type: 'boolean' },
          { name: 'updatedAt', type: 'varchar', length: '32' },
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'core_admin_session',
        columns: [
          { name: 'tokenHash', type: 'varchar', length: '64', isPrimary: true },
          { name: 'username', type: 'varchar', length: '32' },
          { name: 'createdAt', type: 'varchar', length: '32' },
          { name: 'lastSeenAt', type: 'varchar', length: '32' },
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'core_audit_log',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'at', type: 'varchar', length: '32' },
          { name: 'actor', type: 'varchar', length: '64' },
          { name: 'action', type: 'varchar', length: '64' },
          { name: 'detail', type: 'text' },
        ],
      }),
    );
    await q.createIndex('core_audit_log', new TableIndex({ name: 'IDX_core_audit_log_at', columnNames: ['at'] }));
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['core_audit_log', 'core_admin_session', 'core_admin_user', 'core_setting']) await q.dropTable(t);
  }
}

export const coreMigrations = [CoreInit1764201600000, CentreOutboxInit1764250000000, AuditChain1765000000000];
