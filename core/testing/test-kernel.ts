import 'reflect-metadata';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Koa from 'koa';
import { ADMIN_GUARD_ERRORS, AdminAuthService, DEFAULT_PASSWORD, tokenFromRequest, type AdminPrincipal } from '../auth/admin-auth';
import { hashPassword } from '../auth/password';
import type { AuditLog } from '../auth/audit';
import { loadConfig, type ExamSiteConfigInput } from '../config/config';
import { startHost } from '../host/host';
import { unauthorized } from '../http/errors';
import type { AuthGuard } from '../http/route';
import { rootService, type CoreServiceFactory, type Kernel } from '../kernel/kernel';
import { definePlugin, type PluginDefinition } from '../kernel/plugin';
import type { ServiceRef } from '../kernel/refs';
import { createLogger } from '../logging/logger';
import { coreServices } from '../services';
import { MEMORY_DATABASE_URL, type Store } from '../store/store';
import type { FakeCentreClient } from './fake-centre';
import { FakeDongle } from './fake-dongle';
import { TestClient } from './http-client';
import { InProcessHttp } from './in-process-http';
import { testDatabaseFor } from './test-database';

/** A stand-in for a service another plugin (or core) would provide. */
export interface FakeService<T = unknown> {
  readonly ref: ServiceRef<T>;
  readonly impl: T;
}

/** `fakeService(examDataServiceRef, { … })`: the plugin under test gets `impl` for `ref`. */
export function fakeService<T>(ref: ServiceRef<T>, impl: T): FakeService<T> {
  return { ref, impl };
}

export interface TestKernelOptions {
  /** The plugin(s) under test; nothing else is loaded. */
  readonly plugins: readonly PluginDefinition[];
  /** Services of plugins not loaded (or core services) the plugins under test get instead. */
  readonly fakes?: readonly FakeService[];
  /** Default: a software dongle on a manual clock (core/testing/fake-dongle.ts). */
  readonly dongle?: FakeDongle;
  /** The centre; its key is pinned in `centreKeys`. Default: the HTTP client, unconfigured. */
  readonly centre?: FakeCentreClient;
  /** Who every admin route sees as logged in; null: admin routes answer 401. */
  readonly principal?: AdminPrincipal | null;
  readonly config?: Partial<ExamSiteConfigInput>;
  /** Defaults to a fresh temporary folder, removed at stop. */
  readonly dataDir?: string;
}

export interface TestKernel {
  readonly kernel: Kernel;
  readonly app: Koa;
  readonly store: Store;
  readonly dataDir: string;
  /** Requests to the kernel's routes as the injected administrator, in process. */
  readonly admin: TestClient;
  /** What a raw request sends to be the injected administrator (other requests are anonymous). */
  readonly adminHeaders: Readonly<Record<string, string>>;
  /**
   * For raw or streamed requests: `http.request(kernel.http.requestOptions(…))`; for
   * fetch-based clients (a proctor PC of the LAN): `kernel.http.fetchFrom('192.168.1.23')`.
   */
  readonly http: InProcessHttp;
  /** A service by its ref: core root services and services of loaded (or faked) plugins. */
  service<T>(ref: ServiceRef<T>): Promise<T>;
  /** Wall time from the call to startTestKernel until it returned (ms). */
  readonly setupMs: number;
  stop(): Promise<void>;
}

export const TEST_ADMIN: AdminPrincipal = { username: 'admin', tokenHash: 'test-kernel-injected-admin' };

/** The bearer the `admin` client holds: requests without it stay anonymous (401 on admin routes). */
export const TEST_ADMIN_TOKEN = 'test-kernel-injected-admin';

const FAKES_PLUGIN_ID = 'test-fakes';

/**
 * The plugins under test on the real kernel and core services, without a port: requests
 * go through `app.callback()` in process (core/testing/in-process-http.ts). Services of
 * plugins that are not loaded come from `fakes`; the administrator is injected instead of
 * logging in. Whole-site tests (several plugins, a real port, login) use startTestServer.
 */
export async function startTestKernel(options: TestKernelOptions): Promise<TestKernel> {
  const started = performance.now();
  const dataDir = options.dataDir ?? makeScratchDir();
  const database = options.config?.databaseUrl === undefined ? await testDatabaseFor(options.dataDir ?? null) : null;
  const coreIds = new Set<symbol>(Object.values(coreServices).map((r) => r.token));
  const coreFakes = (options.fakes ?? []).filter((f) => coreIds.has(f.ref.token));
  const pluginFakes = (options.fakes ?? []).filter((f) => !coreIds.has(f.ref.token));
  const dongle = options.dongle ?? new FakeDongle();
  const principal = options.principal === undefined ? TEST_ADMIN : options.principal;
  const overrides: CoreServiceFactory[] = [
    dongle.override,
    ...(options.centre ? [options.centre.override] : []),
    rootService(coreServices.adminAuth, { store: coreServices.store, audit: coreServices.audit }, ({ store, audit }) => new InjectedAdminAuth(store, audit, principal)),
    ...coreFakes.map((f) => rootService(f.ref, {}, () => f.impl)),
  ];
  const config = loadConfig(
    {},
    {
      dataDir,
      port: 0,
      host: '127.0.0.1',
      dongle: 'soft',
      logLevel: (process.env.EXAMSITE_TEST_LOG as 'info' | undefined) ?? 'silent',
      vendorPluginDir: '',
      // No fsync per migration: the schema is built in memory in a few ms.
      databaseUrl: database?.databaseUrl || MEMORY_DATABASE_URL,
      ...(options.centre ? { centreKeys: options.centre.keys } : {}),
      ...options.config,
      },
  );
  const plugins = pluginFakes.length ? [...options.plugins, fakesPlugin(pluginFakes)] : options.plugins;
  const host = await startHost({ config, plugins, coreServiceOverrides: overrides, logger: createLogger(config.logLevel, 'test'), listen: false, pluginTestConfig: true });
  const http = new InProcessHttp(host.app.callback());
  const admin = new TestClient(http.transport);
  admin.token = TEST_ADMIN_TOKEN;
  return {
    kernel: host.kernel,
    app: host.app,
    store: host.store,
    dataDir,
    admin,
    adminHeaders: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
    http,
    service: (ref) => host.kernel.get(ref),
    setupMs: performance.now() - started,
    async stop() {
      http.close();
      await host.stop();
      await database?.release();
      if (!options.dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A fresh data folder, in RAM when the machine has a tmpfs (/dev/shm): the plugin's files
 * and the software dongle's key file are fsynced, which costs tens of ms on a disk.
 */
function makeScratchDir(): string {
  const ram = '/dev/shm';
  const base = fs.existsSync(ram) && fs.statSync(ram).isDirectory() ? ram : os.tmpdir();
  return fs.mkdtempSync(path.join(base, 'examsite-kernel-'));
}

/** One plugin that provides every faked plugin service, so the kernel's checks still hold. */
function fakesPlugin(fakes: readonly FakeService[]): PluginDefinition {
  return definePlugin({
    manifest: { id: FAKES_PLUGIN_ID, version: '1.0.0', host: '*', displayName: '测试替身服务' },
    register(env) {
      for (const f of fakes) env.provideService(f.ref, { deps: {}, factory: () => f.impl });
    },
  });
}

let defaultPasswordHash: Promise<string> | null = null;

/**
 * Admin auth with the administrator injected: no login, every admin request that carries
 * TEST_ADMIN_TOKEN (the `admin` client does) sees `principal`; others, or all when the
 * principal is null, get 401 as when not logged in. The admin account itself is real, so
 * a test can still change the password (R1.2) through the API.
 */
class InjectedAdminAuth extends AdminAuthService {
  constructor(store: Store, audit: AuditLog, private readonly principal: AdminPrincipal | null) {
    super(store, audit);
  }

  override ensureDefaultAdmin(): Promise<void> {
    // The account exists as on a first start (password 888), hashed once per test process.
    defaultPasswordHash ??= hashPassword(DEFAULT_PASSWORD);
    const hash = defaultPasswordHash;
    return super.ensureDefaultAdmin(() => hash);
  }

  override watchSession(): () => void {
    // The injected session never ends; streams end when the test closes them.
    return () => undefined;
  }

  override readonly guard: AuthGuard<AdminPrincipal> = {
    securityScheme: ['adminSession', 'adminCookie'],
    errors: ADMIN_GUARD_ERRORS,
    authenticate: async (ctx) => {
      if (!this.principal || tokenFromRequest(ctx) !== TEST_ADMIN_TOKEN) throw unauthorized('NOT_LOGGED_IN', '请先登录');
      return this.principal;
    },
  };
}
