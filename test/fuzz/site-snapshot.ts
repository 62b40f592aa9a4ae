import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Store } from '../../core/store/store';

/**
 * Every table of the site's database, row by row, in a stable order: the "nothing
 * changed" half of a refusal. `skipTables`: tables a refusal may legitimately touch (said
 * where used).
 */
export async function tablesSnapshot(store: Store, skipTables: readonly string[] = [], volatileColumns: VolatileColumns = {}): Promise<string> {
  const out = store.dialect === 'postgres' ? await postgresTablesSnapshot(store, skipTables) : await sqliteTablesSnapshot(store, skipTables);
  for (const [table, columns] of Object.entries(volatileColumns)) {
    const rows = out[table];
    if (Array.isArray(rows)) out[table] = rows.map((r: Record<string, unknown>) => Object.fromEntries(Object.entries(r).filter(([c]) => !columns.includes(c))));
  }
  return JSON.stringify(out);
}

/** Columns a background task rewrites on its own schedule (not an import), per table. */
export type VolatileColumns = Readonly<Record<string, readonly string[]>>;

/** The outbox sender's retry bookkeeping: it moves while a report waits, whatever is imported. */
export const OUTBOX_RETRY_COLUMNS: VolatileColumns = { centre_outbox: ['attempts', 'nextAttemptAt', 'lastError'] };

/** The retry columns, and the admin session's last use (refreshed once a minute by any request). */
export const BACKGROUND_COLUMNS: VolatileColumns = { ...OUTBOX_RETRY_COLUMNS, core_admin_session: ['lastSeenAt'] };

async function sqliteTablesSnapshot(store: Store, skipTables: readonly string[]): Promise<Record<string, unknown>> {
  const tables = (await store.manager.query(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)) as { name: string }[];
  const out: Record<string, unknown> = {};
  for (const { name } of tables) {
    if (skipTables.includes(name)) continue;
    const rows = (await store.manager.query(`SELECT * FROM "${name}" ORDER BY rowid`)) as Record<string, unknown>[];
    // sqlite_sequence holds each AUTOINCREMENT table's counter: skipped tables' counters go too.
    out[name] = name === 'sqlite_sequence' ? rows.filter((r) => !skipTables.includes(String(r.name))) : rows;
  }
  return out;
}

/** PostgreSQL has no rowid: rows in the order of their whole text (stable), sequences by their last value. */
async function postgresTablesSnapshot(store: Store, skipTables: readonly string[]): Promise<Record<string, unknown>> {
  const tables = (await store.manager.query(`SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename`)) as { name: string }[];
  const out: Record<string, unknown> = {};
  for (const { name } of tables) {
    if (skipTables.includes(name)) continue;
    out[name] = await store.manager.query(`SELECT * FROM "${name}" t ORDER BY t::text`);
  }
  const sequences = (await store.manager.query(`SELECT sequencename AS name, last_value AS value FROM pg_sequences WHERE schemaname = current_schema() ORDER BY sequencename`)) as { name: string; value: string | null }[];
  out.sequences = sequences.filter((q) => !skipTables.some((t) => q.name.startsWith(`${t}_`)));
  return out;
}

/** Files of the data folder with their hashes (the database files themselves are compared as tables). */
export function filesSnapshot(dataDir: string): string {
  const rows: string[] = [];
  const walk = (dir: string): void => {
    if (!fs.existsSync(dir)) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile() && !/\.(db|sqlite|sqlite3)(-wal|-shm|-journal)?$|\.log$/.test(entry.name)) {
        rows.push(`${path.relative(dataDir, p)}:${createHash('sha256').update(fs.readFileSync(p)).digest('hex')}`);
      }
    }
  };
  walk(dataDir);
  return rows.join('\n');
}
