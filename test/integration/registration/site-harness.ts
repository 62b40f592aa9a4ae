import { generateSigningKeyPair } from '../../../core/crypto/signing';
import { TestClient } from '../../../core/testing/http-client';
import { table } from '../../../plugins/registration/test/registration-kernel';
import { startTestServer, type TestServer } from '../../../core/testing/test-server';
import { buildSitePackage, defaultSessions } from '../../sim/centre/package-builder';
import type { BuiltPackage, CentreSigningKey, SitePackageSpec } from '../../sim/centre/sim-types';
import type { PluginDefinition } from '../../../core/kernel/plugin';
import { plugin as loadPlugin } from '../../../plugins/load/server/plugin';
import { createRegistrationPlugin, type RegistrationPluginOptions } from '../../../plugins/registration/server/plugin';

/**
 * A whole site with the real 载入考务 plugin: the package is built by the centre
 * simulator's builder, signed with a test centre key the site pins (config centreKeys),
 * and imported through POST /api/load/import like an administrator would.
 */

export function newCentreKey(): CentreSigningKey {
  const k = generateSigningKeyPair();
  return { keyId: k.keyId, publicKey: k.publicKey, privateKeyPem: k.privateKeyPem };
}

export function buildPackage(key: CentreSigningKey, over: Partial<SitePackageSpec> = {}): Promise<BuiltPackage> {
  return buildSitePackage(
    {
      siteCode: '11003',
      mode: 'mock',
      rooms: 3,
      candidatesPerRoom: 6,
      sessions: defaultSessions(2),
      releaseTime: '2026-12-01T20:00:00+08:00',
      seed: 11,
      ...over,
    },
    key,
  );
}

/** The administrator's password on a site started in 正式考试 (the default 888 is refused there). */
export const FORMAL_ADMIN_PASSWORD = 'Kd-2026-site';

export interface SiteOptions {
  readonly dataDir?: string;
  readonly siteCode?: string;
  /** The site's mode (default 模拟考试); the package given must be of the same mode. */
  readonly mode?: 'formal' | 'mock';
  readonly key?: CentreSigningKey;
  /** The package to import; null: none (no exam data loaded). Default: a fresh 3-room package. */
  readonly pkg?: BuiltPackage | null;
  readonly plugin?: RegistrationPluginOptions;
  /** Bind address (default 127.0.0.1); 0.0.0.0 lets a test reach the site from this PC's LAN address. */
  readonly host?: string;
  /** More plugins to start with load + registration (e.g. one that mounts proctor routes). */
  readonly extraPlugins?: readonly PluginDefinition[];
}

export interface RunningSite {
  readonly server: TestServer;
  readonly admin: TestClient;
  readonly key: CentreSigningKey;
  readonly url: string;
  /** roomCode → registration code, as the 考场注册 table shows them. */
  codes(): Promise<Map<string, string>>;
  code(roomCode: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startSite(options: SiteOptions = {}): Promise<RunningSite> {
  const siteCode = options.siteCode ?? '11003';
  const key = options.key ?? newCentreKey();
  const pkg = options.pkg === undefined ? await buildPackage(key, { siteCode, mode: options.mode ?? 'mock' }) : options.pkg;
  const server = await startTestServer({
    dataDir: options.dataDir,
    plugins: [loadPlugin, createRegistrationPlugin(options.plugin), ...(options.extraPlugins ?? [])],
    // A formal test site signs with the software dongle under the lab override (no USB dongle here).
    config: { centreKeys: [key.publicKey], ...(options.host ? { host: options.host } : {}), ...(options.mode === 'formal' ? { labAllowSoftDongleFormal: true } : {}) },
  });
  try {
    const admin = new TestClient(server.url);
    await admin.login();
    // 正式考试 needs the default password changed first.
    if (options.mode === 'formal') {
      const p = await admin.put('/api/auth/password', { oldPassword: '888', newPassword: FORMAL_ADMIN_PASSWORD, confirmPassword: FORMAL_ADMIN_PASSWORD });
      if (p.status >= 300) throw new Error(`password: ${p.status} ${JSON.stringify(p.body)}`);
    }
    const s = await admin.put('/api/settings', { siteCode, mode: options.mode ?? 'mock' });
    if (s.status !== 200) throw new Error(`settings: ${s.status} ${JSON.stringify(s.body)}`);
    if (pkg) {
      const r = await admin.post('/api/load/import', pkg.bytes, { 'content-type': 'application/zip' });
      if (r.status !== 200) throw new Error(`import: ${r.status} ${JSON.stringify(r.body)}`);
    }
    const codes = async (): Promise<Map<string, string>> => new Map((await table({ admin })).rooms.map((r) => [r.roomCode, r.registrationCode]));
    return {
      server,
      admin,
      key,
      url: server.url,
      codes,
      async code(roomCode) {
        const c = (await codes()).get(roomCode);
        if (!c) throw new Error(`no room ${roomCode}`);
        return c;
      },
      stop: () => server.stop(),
    };
  } catch (e) {
    await server.stop();
    throw e;
  }
}

export { table, type TableBody } from '../../../plugins/registration/test/registration-kernel';
