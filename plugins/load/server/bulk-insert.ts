import type { EntityManager } from 'typeorm';

/** Rows per multi-row INSERT on PostgreSQL (well under its 65535-parameter limit). */
const PG_CHUNK = 1000;

interface BetterSqlite3Like {
  prepare(sql: string): { run(...params: unknown[]): unknown };
}

/**
 * Inserts many rows inside the caller's transaction. TypeORM's insert builder costs more
 * per row than the database does (48,000 candidates take seconds); this goes straight to
 * the driver: one prepared statement on SQLite (same connection, so same transaction),
 * multi-row parameterized INSERTs on PostgreSQL.
 */
export async function bulkInsert(em: EntityManager, table: string, columns: readonly string[], rows: readonly (readonly unknown[])[]): Promise<void> {
  if (rows.length === 0) return;
  const cols = columns.map((c) => `"${c}"`).join(', ');
  const driver = em.connection.driver as { options: { type: string }; databaseConnection?: unknown };
  if (driver.options.type === 'better-sqlite3' && driver.databaseConnection) {
    const db = driver.databaseConnection as BetterSqlite3Like;
    const stmt = db.prepare(`INSERT INTO "${table}" (${cols}) VALUES (${columns.map(() => '?').join(', ')})`);
    for (const row of rows) stmt.run(...row.map(toSqlite));
    return;
  }
  for (let i = 0; i < rows.length; i += PG_CHUNK) {
    const chunk = rows.slice(i, i + PG_CHUNK);
    const params: unknown[] = [];
    const values = chunk.map((row) => `(${row.map((v) => (params.push(v), `$${params.length}`)).join(', ')})`).join(', ');
    await em.query(`INSERT INTO "${table}" (${cols}) VALUES ${values}`, params);
  }
}

/** better-sqlite3 binds numbers, strings, bigints, buffers and null; booleans become 0/1. */
function toSqlite(v: unknown): unknown {
  if (typeof v === 'boolean') return v ? 1 : 0;
  return v === undefined ? null : v;
}
