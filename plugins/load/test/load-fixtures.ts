import fs from 'node:fs';
import path from 'node:path';
import { generateSigningKeyPair } from '../../../core/crypto';
import type { PluginDefinition } from '../../../core/kernel/plugin';
import { examDataServiceRef, type ExamDataService } from '../api';
import type { TestClient } from '../../../core/testing/http-client';
import { startTestKernel, type TestKernel, type TestKernelOptions } from '../../../core/testing/test-kernel';
import { buildSitePackage, defaultSessions, type PackageBuildOptions } from '../../../test/sim/centre/package-builder';
import type { BuiltPackage, CentreSigningKey, SitePackageSpec } from '../../../test/sim/centre/sim-types';
import { plugin as loadPlugin } from '../server/plugin';

export const SITE = '11003';

export function newCentreKey(): CentreSigningKey {
  const k = generateSigningKeyPair();
  return { keyId: k.keyId, publicKey: k.publicKey, privateKeyPem: k.privateKeyPem };
}

export function packageSpec(over: Partial<SitePackageSpec> = {}): SitePackageSpec {
  return {
    siteCode: SITE,
    mode: 'mock',
    rooms: 3,
    candidatesPerRoom: 12,
    sessions: defaultSessions(2),
    releaseTime: '2026-12-01T10:00:00+08:00',
    seed: 7,
    ...over,
  };
}

export function buildPackage(key: CentreSigningKey, over: Partial<SitePackageSpec> = {}, options?: PackageBuildOptions): Promise<BuiltPackage> {
  return buildSitePackage(packageSpec(over), key, options);
}

export interface LoadHarness {
  readonly server: TestKernel;
  /** Requests as the administrator (injected; no login). */
  readonly client: TestClient;
  readonly key: CentreSigningKey;
  /** The exam data service exactly as another plugin receives it. */
  readonly data: ExamDataService;
  importZip(bytes: Buffer): ReturnType<TestClient['post']>;
  /** Everything an import could change: API view, raw tables and content files. */
  snapshot(): Promise<string>;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  readonly siteCode?: string | null;
  readonly mode?: 'formal' | 'mock';
  readonly plugins?: readonly PluginDefinition[];
  readonly key?: CentreSigningKey;
  readonly config?: TestKernelOptions['config'];
}

/** 载入考务 alone on the in-process test kernel (other plugins only when a test adds them). */
export async function startLoadHarness(options: HarnessOptions = {}): Promise<LoadHarness> {
  const key = options.key ?? newCentreKey();
  const server = await startTestKernel({
    plugins: options.plugins ?? [loadPlugin],
    config: { centreKeys: [key.publicKey], ...options.config },
  });
  const client = server.admin;
  const siteCode = options.siteCode === undefined ? SITE : options.siteCode;
  if (siteCode !== null) {
    const r = await client.put('/api/settings', { siteCode, mode: options.mode ?? 'mock' });
    if (r.status !== 200) throw new Error(`settings: ${r.status} ${JSON.stringify(r.body)}`);
  }
  const contentDir = path.join(server.dataDir, 'plugins', 'load', 'content');
  return {
    server,
    client,
    key,
    data: await server.service(examDataServiceRef),
    importZip: (bytes) => client.post('/api/load/import', bytes, { 'content-type': 'application/zip' }),
    async snapshot() {
      const api = await client.get('/api/load/rooms');
      const tables: Record<string, unknown> = {};
      for (const t of ['load_release', 'load_room', 'load_session', 'load_candidate']) {
        tables[t] = await server.store.manager.query(`SELECT * FROM ${t} ORDER BY 1, 2`).catch(() => server.store.manager.query(`SELECT * FROM ${t}`));
      }
      const files = fs.existsSync(contentDir) ? fs.readdirSync(contentDir).sort() : [];
      return JSON.stringify({ api: api.body, tables, files });
    },
    stop: () => server.stop(),
  };
}

export interface RoomsBody {
  rooms: { roomCode: string; roomName: string; sessionCount: number; candidateCount: number; loadedAt: string; verified: boolean; verifiedAt: string | null }[];
  release: { releaseTime: string; manualImportAt: string | null; verified: boolean; verifiedAt: string | null; checkMessage: string | null; mode: string } | null;
}

