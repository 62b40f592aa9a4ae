import { Table, TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { AUDIT_CHAIN_GENESIS, auditEntryHash, auditRoomOf } from '../auth/audit-chain';

interface ExistingAuditRow {
  id: number | string;
  at: string;
  actor: string;
  action: string;
  detail: string;
}

function parsedDetail(text: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Hash chain of the audit log (issue 13 point 6, ADR 014): adds the columns and chains the rows already there. */
export class AuditChain1765000000000 implements MigrationInterface {
  name = 'AuditChain1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumns('core_audit_log', [
      new TableColumn({ name: 'room', type: 'varchar', length: '16', isNullable: true }),
      new TableColumn({ name: 'prevHash', type: 'varchar', length: '64', default: "''" }),
      new TableColumn({ name: 'hash', type: 'varchar', length: '64', default: "''" }),
    ]);
    await q.createIndex('core_audit_log', new TableIndex({ name: 'IDX_core_audit_log_room', columnNames: ['room'] }));
    await q.createTable(
      new Table({
        name: 'core_audit_chain',
        columns: [
          { name: 'name', type: 'varchar', length: '16', isPrimary: true },
          { name: 'entryId', type: 'integer' },
          { name: 'hash', type: 'varchar', length: '64' },
        ],
      }),
    );
    let prev = AUDIT_CHAIN_GENESIS;
    let lastId = 0;
    for (;;) {
      const rows = (await q.query(`SELECT id, at, actor, action, detail FROM core_audit_log WHERE id > ${lastId} ORDER BY id LIMIT 500`)) as ExistingAuditRow[];
      if (rows.length === 0) break;
      for (const r of rows) {
        const id = Number(r.id);
        const room = auditRoomOf(r.actor, parsedDetail(r.detail));
        const hash = auditEntryHash(prev, { id, at: r.at, actor: r.actor, action: r.action, room, detail: r.detail });
        await q.manager.update('core_audit_log', { id }, { room, prevHash: prev, hash });
        prev = hash;
        lastId = id;
      }
    }
    await q.manager.insert('core_audit_chain', [
      { name: 'head', entryId: lastId, hash: prev },
      { name: 'anchor', entryId: 0, hash: AUDIT_CHAIN_GENESIS },
    ]);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('core_audit_chain');
    await q.dropIndex('core_audit_log', 'IDX_core_audit_log_room');
    await q.dropColumns('core_audit_log', ['room', 'prevHash', 'hash']);
  }
}
