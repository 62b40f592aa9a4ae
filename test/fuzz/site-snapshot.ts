import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Store } from '../../core/store/store';

/**
 * Every table of the site's database, row by row, in a stable order: the "nothing
 * changed" half of a refusal. `skipTables`: tables a refusal may legitimately touch (said
 * where used).
 */
export async function tablesSnapshot(store: Store, skipTables: readonly string[] = []): Promise<string> {
  return store.dialect === 'postgres' ? postgresTablesSnapshot(store, skipTables) : sqliteTablesSnapshot(store, skipTables);
}

async function sqliteTablesSnapshot(store: Store, skipTables: readonly string[]): Promise<string> {
  const tables = (await store.manager.query(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)) as { name: string }[];
  const out: Record<string, unknown> = {};
  for (const { name } of tables) {
    if (skipTables.includes(name)) continue;
    const rows = (await store.manager.query(`SELECT * FROM "${name}" ORDER BY rowid`)) as Record<string, unknown>[];
    // sqlite_sequence holds each AUTOINCREMENT table's counter: skipped tables' counters go too.
    out[name] = name === 'sqlite_sequence' ? rows.filter((r) => !skipTables.includes(String(r.name))) : rows;
  }
  return JSON.stringify(out);
}

/** PostgreSQL has no rowid: rows in the order of their whole text (stable), sequences by their last value. */
async function postgresTablesSnapshot(store: Store, skipTables: readonly string[]): Promise<string> {
  const tables = (await store.manager.query(`SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename`)) as { name: string }[];
  const out: Record<string, unknown> = {};
  for (const { name } of tables) {
    if (skipTables.includes(name)) continue;
    out[name] = await store.manager.query(`SELECT * FROM "${name}" t ORDER BY t::text`);
  }
  const sequences = (await store.manager.query(`SELECT sequencename AS name, last_value AS value FROM pg_sequences WHERE schemaname = current_schema() ORDER BY sequencename`)) as { name: string; value: string | null }[];
  out.sequences = sequences.filter((q) => !skipTables.some((t) => q.name.startsWith(`${t}_`)));
  return JSON.stringify(out);
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
