import { createHash, randomBytes } from 'node:crypto';

/**
 * The whole-suite PostgreSQL pass (`npm run test:pg`, issue 14 point 4): when
 * EXAMSITE_TEST_STORE_PG_URL names a PostgreSQL server, every test server and test kernel
 * gets a database of its own there instead of SQLite, so the same tests prove the plugins'
 * store code on both dialects. A test that names its data folder (to restart on the same
 * data) gets the same database back for that folder; a generated folder's database is
 * dropped at stop.
 */
export const TEST_STORE_PG_ENV = 'EXAMSITE_TEST_STORE_PG_URL';

/** The part of `pg` used here (the package ships no type declarations). */
interface PgClient {
  connect(): Promise<void>;
  query<R>(sql: string, values?: unknown[]): Promise<{ rows: R[] }>;
  end(): Promise<void>;
}

function pgServerUrl(): string | null {
  const url = process.env[TEST_STORE_PG_ENV] ?? '';
  return url === '' ? null : url;
}

async function withAdminClient<T>(serverUrl: string, work: (c: PgClient) => Promise<T>): Promise<T> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Client } = require('pg') as { Client: new (o: { connectionString: string }) => PgClient };
  const c = new Client({ connectionString: serverUrl });
  await c.connect();
  try {
    return await work(c);
  } finally {
    await c.end();
  }
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export interface TestDatabase {
  /** The `databaseUrl` to configure ('' keeps the caller's default). */
  readonly databaseUrl: string;
  /** Drops the database when it belongs to this test only. */
  release(): Promise<void>;
}

const NO_DATABASE: TestDatabase = { databaseUrl: '', release: async () => undefined };

/**
 * A database for one test site. `namedDataDir`: the folder the test chose (it may start a
 * second site on it), or null for a generated one.
 */
export async function testDatabaseFor(namedDataDir: string | null): Promise<TestDatabase> {
  const server = pgServerUrl();
  if (!server) return NO_DATABASE;
  const name = namedDataDir
    ? `examsite_t_${createHash('sha256').update(namedDataDir).digest('hex').slice(0, 24)}`
    : `examsite_t_${randomBytes(12).toString('hex')}`;
  await withAdminClient(server, async (c) => {
    const exists = await c.query<{ n: number }>('SELECT 1 AS n FROM pg_database WHERE datname = $1', [name]);
    // The name is ours (hex only), so it can go into the statement as it is.
    if (exists.rows.length === 0) await c.query(`CREATE DATABASE ${name}`);
  });
  return {
    databaseUrl: withDatabase(server, name),
    release: async () => {
      if (namedDataDir) return;
      await withAdminClient(server, async (c) => void (await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)));
    },
  };
}

/**
 * Config for a test about SQLite itself (its -wal/-shm files and their modes, what lands in
 * the database file, 系统备份's snapshot, which PostgreSQL sites refuse by design): it stays
 * on SQLite in the PostgreSQL pass too.
 */
export const SQLITE_ONLY = { databaseUrl: '' } as const;

/**
 * In the PostgreSQL pass, skips a test (or, from a `before` hook, a whole suite) that is
 * about SQLite itself or about 系统备份, which PostgreSQL sites refuse by design; mocha lists
 * it as pending with the reason, and the README names them.
 */
export function skipInPostgresPass(ctx: Mocha.Context, why: string): void {
  if (!pgServerUrl()) return;
  if (ctx.test) ctx.test.title += ` — pending in the PostgreSQL pass: ${why}`;
  ctx.skip();
}
