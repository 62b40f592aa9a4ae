import 'reflect-metadata';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type ExamSiteConfigInput } from '../config/config';
import { startHost, type ControlledHost } from '../host/host';
import type { CoreServiceFactory } from '../kernel/kernel';
import type { PluginDefinition } from '../kernel/plugin';
import { createLogger } from '../logging/logger';
import { testDatabaseFor } from './test-database';
import type { FakeCentreClient } from './fake-centre';
import type { FakeDongle } from './fake-dongle';

export interface TestServerOptions {
  /** Defaults to a fresh temporary folder, removed at stop unless `keepData`. */
  readonly dataDir?: string;
  readonly keepData?: boolean;
  /** Plugins to start; by default the built-in ones are discovered. */
  readonly plugins?: readonly PluginDefinition[];
  readonly coreServiceOverrides?: readonly CoreServiceFactory[];
  /**
   * Fakes for the hardware and the centre (core/testing/fake-*.ts). The fake centre is also
   * pinned (its key in `centreKeys`) so its time tokens check out.
   */
  readonly fakes?: { readonly dongle?: FakeDongle; readonly centre?: FakeCentreClient };
  readonly config?: Partial<ExamSiteConfigInput>;
  readonly env?: NodeJS.ProcessEnv;
}

export interface TestServer extends ControlledHost {
  readonly dataDir: string;
}

export function makeTempDir(prefix = 'examsite-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A whole product on a free port (port 0) and a temporary data folder. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? makeTempDir();
  const database = options.config?.databaseUrl === undefined ? await testDatabaseFor(options.dataDir ?? null) : null;
  const config = loadConfig(options.env ?? {}, {
    ...(database?.databaseUrl ? { databaseUrl: database.databaseUrl } : {}),
    dataDir,
    port: 0,
    host: '127.0.0.1',
    dongle: 'soft',
    logLevel: (process.env.EXAMSITE_TEST_LOG as 'info' | undefined) ?? 'silent',
    webDir: path.resolve(__dirname, '../../web'),
    ...(options.fakes?.centre ? { centreKeys: options.fakes.centre.keys } : {}),
    ...options.config,
  });
  const fakeOverrides = [options.fakes?.dongle?.override, options.fakes?.centre?.override].filter((f) => f !== undefined);
  const host = await startHost({
    config,
    plugins: options.plugins,
    coreServiceOverrides: [...fakeOverrides, ...(options.coreServiceOverrides ?? [])],
    logger: createLogger(config.logLevel, 'test'),
    pluginTestConfig: true,
  });
  // Delegates (no copy): after an in-process restart kernel, store and app are the new ones.
  return Object.create(host, {
    dataDir: { value: dataDir },
    stop: {
      value: async () => {
        await host.stop();
        await database?.release();
        if (!options.dataDir && !options.keepData) fs.rmSync(dataDir, { recursive: true, force: true });
      },
    },
  }) as TestServer;
}
