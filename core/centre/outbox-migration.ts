import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/** The centre outbox table (core/centre/outbox-row.ts). */
export class CentreOutboxInit1764250000000 implements MigrationInterface {
  name = 'CentreOutboxInit1764250000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'centre_outbox',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'idempotencyKey', type: 'varchar', length: '128' },
          { name: 'kind', type: 'varchar', length: '64' },
          { name: 'siteCode', type: 'varchar', length: '8' },
          { name: 'mode', type: 'varchar', length: '8' },
          { name: 'payload', type: 'text' },
          { name: 'createdAt', type: 'varchar', length: '32' },
          { name: 'attempts', type: 'integer' },
          { name: 'nextAttemptAt', type: 'varchar', length: '32' },
          { name: 'lastError', type: 'text', isNullable: true },
          { name: 'deliveredAt', type: 'varchar', length: '32', isNullable: true },
          { name: 'ackAt', type: 'varchar', length: '32', isNullable: true },
        ],
      }),
    );
    await q.createIndex('centre_outbox', new TableIndex({ name: 'IDX_centre_outbox_key', columnNames: ['idempotencyKey'], isUnique: true }));
    await q.createIndex('centre_outbox', new TableIndex({ name: 'IDX_centre_outbox_delivered', columnNames: ['deliveredAt'] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('centre_outbox');
  }
}
