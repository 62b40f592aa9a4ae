import { expect } from 'chai';
import { Store } from '../store';
import { makeTempDir } from '../../testing/test-server';
import fs from 'node:fs';

const empty = { entities: [], migrations: [] };

describe('core/store migrations', () => {
  it('a fresh SQLite database migrates, in WAL mode, and a second open runs nothing again', async () => {
    const dir = makeTempDir();
    try {
      const store = await Store.open({ dataDir: dir, databaseUrl: '', schema: empty });
      const tables = (await store.dataSource.query("SELECT name FROM sqlite_master WHERE type='table'")) as { name: string }[];
      expect(tables.map((t) => t.name)).to.include.members(['core_setting', 'core_admin_user', 'core_admin_session', 'core_audit_log', 'migrations']);
      const [mode] = (await store.dataSource.query('PRAGMA journal_mode')) as { journal_mode: string }[];
      expect(mode!.journal_mode).to.equal('wal');
      await store.close();
      const again = await Store.open({ dataDir: dir, databaseUrl: '', schema: empty });
      expect(await again.dataSource.showMigrations()).to.equal(false);
      await again.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('serializes concurrent writes through one queue', async () => {
    const dir = makeTempDir();
    const store = await Store.open({ dataDir: dir, databaseUrl: '', schema: empty });
    try {
      const order: string[] = [];
      await Promise.all(
        [1, 2, 3].map((n) =>
          store.write(async (em) => {
            order.push(`start${n}`);
            await em.query('SELECT 1');
            await new Promise((r) => setTimeout(r, 5));
            order.push(`end${n}`);
          }),
        ),
      );
      expect(order).to.deep.equal(['start1', 'end1', 'start2', 'end2', 'start3', 'end3']);
    } finally {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  const pgUrl = process.env.EXAMSITE_TEST_PG_URL;
  (pgUrl ? it : it.skip)('the same migrations run on PostgreSQL (EXAMSITE_TEST_PG_URL)', async () => {
    const store = await Store.open({ dataDir: makeTempDir(), databaseUrl: pgUrl!, schema: empty });
    try {
      const rows = (await store.dataSource.query("SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'core_%'")) as { table_name: string }[];
      expect(rows.map((r) => r.table_name)).to.include.members(['core_setting', 'core_admin_user']);
    } finally {
      await store.close();
    }
  });
});
