import path from 'node:path';
import { DataSource, type EntityManager, type DataSourceOptions } from 'typeorm';
import type { SchemaRegistry } from '../kernel/kernel';
import { coreEntities } from './core-entities';
import { coreMigrations } from './core-migrations';
import { UnitOfWorkScope, runAfterCommitHooks, type UnitOfWork } from './unit-of-work';
import { WriteQueue } from './write-queue';
import { databaseFullError, isDatabaseFull } from './database-full';
import { ensurePrivateDir, ensurePrivateFile, restrictIfPresent } from '../files/private-files';

export type StoreDialect = 'sqlite' | 'postgres';

/** `databaseUrl` of an in-memory SQLite database: nothing on disk, gone at close (tests). */
export const MEMORY_DATABASE_URL = 'sqlite::memory:';

/**
 * The database of the site. Writes go through one queue (one transaction at a time);
 * reads use the shared manager. SQLite runs in WAL with synchronous=FULL so a committed
 * result survives a power cut.
 */
export class Store {
  private readonly queue = new WriteQueue();
  private readonly units = new UnitOfWorkScope();
  /** Where a failing after-commit hook is reported (the host sets its logger). */
  onHookError: (e: unknown) => void = () => undefined;
  private readonly commitListeners = new Set<() => void>();

  private constructor(
    readonly dataSource: DataSource,
    readonly dialect: StoreDialect,
    readonly sqliteFile: string | null,
  ) {}

  static async open(options: { dataDir: string; databaseUrl: string; schema: SchemaRegistry }): Promise<Store> {
    const entities = [...coreEntities, ...options.schema.entities.flatMap((e) => (Array.isArray(e) ? e : Object.values(e)))];
    const migrations = [
      ...coreMigrations,
      ...options.schema.migrations.flatMap((m) => (Array.isArray(m) ? m : Object.values(m))),
    ];
    let ds: DataSource;
    let dialect: StoreDialect;
    let sqliteFile: string | null = null;
    const url = options.databaseUrl;
    if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
      dialect = 'postgres';
      ds = new DataSource({ type: 'postgres', url, entities, migrations, migrationsTransactionMode: 'each' } as DataSourceOptions);
    } else if (url === '' || url.startsWith('sqlite:')) {
      dialect = 'sqlite';
      // sqlite::memory: — a database that lives in this process only (plugin tests).
      const inMemory = url === MEMORY_DATABASE_URL;
      sqliteFile = inMemory ? null : url.startsWith('sqlite:') ? path.resolve(url.slice('sqlite:'.length)) : path.join(options.dataDir, 'examsite.sqlite');
      if (sqliteFile) {
        ensurePrivateDir(path.dirname(sqliteFile));
        // SQLite gives its -wal and -shm files the mode of the database file: 0600 for all three.
        ensurePrivateFile(sqliteFile);
      }
      ds = new DataSource({
        type: 'better-sqlite3',
        database: sqliteFile ?? ':memory:',
        entities,
        migrations,
        migrationsTransactionMode: 'each',
        prepareDatabase: (db: { pragma(s: string): unknown }) => {
          db.pragma('journal_mode = WAL');
          db.pragma('synchronous = FULL');
          db.pragma('busy_timeout = 5000');
          db.pragma('foreign_keys = ON');
        },
      });
    } else {
      throw new Error(`数据库地址 ${url.replace(/:[^:@/]+@/, ':***@')} 无法识别：请使用 postgres://… 或留空以使用内置 SQLite`);
    }
    await ds.initialize();
    await ds.runMigrations({ transaction: 'each' });
    // Files left by an older version (or created before this rule) get the same modes.
    if (sqliteFile) for (const suffix of ['-wal', '-shm', '-journal']) restrictIfPresent(sqliteFile + suffix);
    return new Store(ds, dialect, sqliteFile);
  }

  /**
   * One serialized transaction. Everything that changes data goes through here. Called
   * inside a running write (same async flow) it joins that unit of work instead of waiting
   * behind it, which would never settle.
   */
  write<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    const current = this.units.current();
    if (current) return work(current.em);
    return this.queue
      .run(() => this.dataSource.transaction((em) => this.units.run(em, work)))
      .then(
        ({ result, hooks }) => {
          runAfterCommitHooks([...hooks, ...this.commitListeners], this.onHookError);
          return result;
        },
        (e: unknown) => {
          // A full disk is the site's problem, not the request's: a clear 507 (issue 15 point 2).
          throw isDatabaseFull(e) ? databaseFullError() : e;
        },
      );
  }

  /**
   * Called after every committed unit of work, whoever wrote it (e.g. a mirror that follows
   * the data within seconds). A listener only takes note: it must not wait on the store.
   * Returns the unsubscribe.
   */
  onCommitted(listener: () => void): () => void {
    this.commitListeners.add(listener);
    return () => this.commitListeners.delete(listener);
  }

  /** The unit of work the caller runs in, or null outside `write`. */
  currentUnitOfWork(): UnitOfWork | null {
    return this.units.current();
  }

  /**
   * Runs `hook` once the current unit of work has committed (never when it rolls back);
   * outside a write, at once. For in-memory state and notifications that must follow the
   * database, never lead it.
   */
  afterCommit(hook: () => void): void {
    const current = this.units.current();
    if (current) current.afterCommit(hook);
    else runAfterCommitHooks([hook], this.onHookError);
  }

  get manager(): EntityManager {
    return this.dataSource.manager;
  }

  /**
   * Consistent copy of the SQLite database (VACUUM INTO), never a copy of the live file.
   * `whileHeld` runs before any other write may start (e.g. freeze the files that go with it).
   */
  async snapshotTo(file: string, whileHeld?: () => Promise<void>): Promise<void> {
    if (this.dialect !== 'sqlite') throw new Error('只有内置 SQLite 数据库支持此快照方式');
    await this.queue.run(async () => {
      await this.dataSource.query(`VACUUM INTO '${file.replace(/'/g, "''")}'`);
      await whileHeld?.();
    });
  }

  async close(): Promise<void> {
    if (this.dataSource.isInitialized) await this.queue.run(() => this.dataSource.destroy());
  }
}
