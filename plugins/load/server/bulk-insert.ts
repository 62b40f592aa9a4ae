import type { EntityManager } from 'typeorm';

/** Rows per multi-row INSERT on PostgreSQL (well under its 65535-parameter limit). */
const PG_CHUNK = 1000;
/** Rows per multi-row INSERT on SQLite (far under its 32,766 bound parameters). */
const SQLITE_ROWS_PER_STATEMENT = 100;
/**
 * Rows written between two turns of the event loop on SQLite. better-sqlite3 is synchronous:
 * 48,000 candidates in one go held every heartbeat for hundreds of ms (issue 11 point 9).
 */
const SQLITE_ROWS_PER_TURN = 300;

interface BetterSqlite3Statement {
  run(...params: unknown[]): { changes: number };
}

interface BetterSqlite3Like {
  prepare(sql: string): BetterSqlite3Statement;
}

/** The raw better-sqlite3 connection under `em` (same connection, so same transaction), or null on PostgreSQL. */
function sqliteConnection(em: EntityManager): BetterSqlite3Like | null {
  const driver = em.connection.driver as { options: { type: string }; databaseConnection?: unknown };
  return driver.options.type === 'better-sqlite3' && driver.databaseConnection ? (driver.databaseConnection as BetterSqlite3Like) : null;
}

/** Lets the event loop run (heartbeats, other requests) in the middle of long synchronous database work. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Inserts many rows inside the caller's transaction. TypeORM's insert builder costs more
 * per row than the database does (48,000 candidates take seconds); this goes straight to
 * the driver: multi-row prepared statements on SQLite, yielding to the event loop every
 * SQLITE_ROWS_PER_TURN rows, multi-row parameterized INSERTs on PostgreSQL. `valuesOf`
 * turns one row into its column values, one batch at a time (no second copy of every row).
 */
export async function bulkInsert<T>(em: EntityManager, table: string, columns: readonly string[], rows: readonly T[], valuesOf: (row: T) => readonly unknown[]): Promise<void> {
  if (rows.length === 0) return;
  const cols = columns.map((c) => `"${c}"`).join(', ');
  const db = sqliteConnection(em);
  if (db) {
    const tuple = `(${columns.map(() => '?').join(', ')})`;
    const statements = new Map<number, BetterSqlite3Statement>();
    const statementFor = (n: number): BetterSqlite3Statement => {
      let s = statements.get(n);
      if (!s) statements.set(n, (s = db.prepare(`INSERT INTO "${table}" (${cols}) VALUES ${Array.from({ length: n }, () => tuple).join(', ')}`)));
      return s;
    };
    for (let i = 0; i < rows.length; i += SQLITE_ROWS_PER_STATEMENT) {
      if (i > 0 && i % SQLITE_ROWS_PER_TURN === 0) await nextTurn();
      const end = Math.min(rows.length, i + SQLITE_ROWS_PER_STATEMENT);
      const params: unknown[] = [];
      for (let j = i; j < end; j++) for (const v of valuesOf(rows[j]!)) params.push(toSqlite(v));
      statementFor(end - i).run(...params);
    }
    return;
  }
  for (let i = 0; i < rows.length; i += PG_CHUNK) {
    const chunk = rows.slice(i, i + PG_CHUNK);
    const params: unknown[] = [];
    const values = chunk.map((row) => `(${valuesOf(row).map((v) => (params.push(v), `$${params.length}`)).join(', ')})`).join(', ');
    await em.query(`INSERT INTO "${table}" (${cols}) VALUES ${values}`, params);
  }
}

/** Rows deleted between two turns of the event loop on SQLite. */
const SQLITE_DELETES_PER_TURN = 1000;

/**
 * Deletes every row of `table` inside the caller's transaction; on SQLite in batches with a
 * turn of the event loop between them, for the reason given at SQLITE_ROWS_PER_TURN.
 */
export async function deleteAllRows(em: EntityManager, table: string): Promise<void> {
  const db = sqliteConnection(em);
  if (!db) {
    await em.query(`DELETE FROM "${table}"`);
    return;
  }
  const batch = db.prepare(`DELETE FROM "${table}" WHERE rowid IN (SELECT rowid FROM "${table}" LIMIT ${SQLITE_DELETES_PER_TURN})`);
  while (batch.run().changes === SQLITE_DELETES_PER_TURN) await nextTurn();
}

/** better-sqlite3 binds numbers, strings, bigints, buffers and null; booleans become 0/1. */
function toSqlite(v: unknown): unknown {
  if (typeof v === 'boolean') return v ? 1 : 0;
  return v === undefined ? null : v;
}
