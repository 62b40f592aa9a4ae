import fs from 'node:fs';
import path from 'node:path';
import AdmZip from 'adm-zip';
import { expect } from 'chai';
import { createTimeToken } from '../../../core/clock/time-token';
import type { ExamSiteConfigInput } from '../../../core/config/config';
import { sha256Hex, signBytes } from '../../../core/crypto';
import { coreServices } from '../../../core/services';
import { FakeDongle } from '../../../core/testing/fake-dongle';
import { TestClient } from '../../../core/testing/http-client';
import { ManualMonotonicClock } from '../../../core/testing/manual-clock';
import { makeTempDir, startTestServer, type TestServer } from '../../../core/testing/test-server';
import { MANIFEST_ENTRY, MANIFEST_SIG_ENTRY, roomEntryName, type PackageManifest, type PackageRoomFile } from '../../../plugins/load/api/package-format';
import { plugin as loadPlugin } from '../../../plugins/load/server/plugin';
import { plugin as registrationPlugin } from '../../../plugins/registration/server/plugin';
import { plugin as authorizationPlugin } from '../../../plugins/authorization/server/plugin';
import { ptqAuthorizationIssuer } from '../../sim/centre/authorization-issuer';
import { startCentreSimulator, type RunningCentreSimulator } from '../../sim/centre/centre-simulator';
import { SimArgs, type SimCommand } from '../../sim/centre/commands/sim-command';
import { buildSitePackage } from '../../sim/centre/package-builder';
import type { AuthorizationIssueContext, BuiltPackage, CentreSigningKey, SimPublishedRelease, SitePackageSpec } from '../../sim/centre/sim-types';
import type { SessionAuthorizationStatus } from '../../../plugins/authorization/api';

export const SITE = '11003';
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

/**
 * A whole site (load + registration + authorization) against the centre simulator, with a
 * software dongle whose clock runs on a monotonic source the test moves by hand. The PC
 * clock is never touched here; tests shift it with `shiftPcClock`.
 */
export interface AuthorizationSite {
  readonly sim: RunningCentreSimulator;
  readonly server: TestServer;
  readonly admin: TestClient;
  readonly dataDir: string;
  readonly simDir: string;
  readonly dongleId: string;
  readonly release: SimPublishedRelease;
  /** Session starts (ms), relative to the real time at setup. */
  readonly sessionStarts: Record<number, number>;
  /** Moves the dongle's trusted clock (and only it) forward. */
  advanceDongleClock(ms: number): void;
  /** Calibrates the dongle to the real time now through POST /api/clock/import. */
  calibrate(): Promise<void>;
  /** The issuer context for a session, for forging files with the simulator's key. */
  issueContext(sessionNo: number): AuthorizationIssueContext;
  sessions(): Promise<SessionAuthorizationStatus[]>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface SiteOptions {
  readonly mode?: 'formal' | 'mock';
  /** Rooms in the package (default 3). */
  readonly rooms?: number;
  /** Takes room → sessions it sits; a room left out of a session (R6.3 denial). */
  readonly roomSessions?: Readonly<Record<string, readonly number[]>>;
  /** Load the exam data (default true). */
  readonly loadData?: boolean;
  /** Extra site configuration (e.g. calibrationWarnLeadMinutes). */
  readonly config?: Partial<ExamSiteConfigInput>;
  /** Lets the software dongle pass for a formal exam (a formal site that imports and verifies). */
  readonly labOverride?: boolean;
  /** Start every built-in plugin (the whole product, e.g. for a browser walk) instead of load + registration + authorization. */
  readonly allPlugins?: boolean;
  /** The dongle registered at the centre (机考锁注册) before the test (default true). */
  readonly registerDongle?: boolean;
}

/** Sessions relative to now: 1 starts in 3 hours (120 min), 2 tomorrow (90 min). */
export function sessionSpecs(now: number): SitePackageSpec['sessions'] {
  const at = (ms: number): string => new Date(Math.floor(ms / MINUTE) * MINUTE).toISOString();
  return [
    { no: 1, name: '第一场次', startsAt: at(now + 3 * HOUR), durationMinutes: 120 },
    { no: 2, name: '第二场次', startsAt: at(now + 27 * HOUR), durationMinutes: 90 },
  ];
}

export async function startAuthorizationSite(options: SiteOptions = {}): Promise<AuthorizationSite> {
  const mode = options.mode ?? 'mock';
  const simDir = makeTempDir('examsite-auth-sim-');
  const dataDir = makeTempDir('examsite-auth-site-');
  const sim = await startCentreSimulator({
    dataDir: simDir,
    authorizationIssuer: ptqAuthorizationIssuer,
    builder: async (spec, key) => restrictRooms(await buildSitePackage(spec, key), key, options.roomSessions ?? {}),
  });
  // One clock across restarts: the dongle's trusted time lives on past a server restart.
  const dongleClock = new ManualMonotonicClock();
  const startServer = (): Promise<TestServer> =>
    startTestServer({
      dataDir,
      plugins: options.allPlugins ? undefined : [loadPlugin, registrationPlugin, authorizationPlugin],
      // adminSessionIdleMinutes at its maximum (7 days): tests move the PC clock by a day or
      // more while the administrator stays logged in, and the admin session's idle limit
      // is judged on the PC clock.
      config: {
        centreUrl: sim.url,
        centreKeys: [sim.state.signingKey.publicKey],
        centreProbeIntervalMs: 60_000,
        adminSessionIdleMinutes: 7 * 24 * 60,
        ...options.config,
      },
      fakes: { dongle: new FakeDongle({ clock: dongleClock, labOverride: options.labOverride }) },
    });
  let server = await startServer();
  let admin = new TestClient(server.url);
  await admin.login();
  // R1.2: a formal exam needs the default password changed first.
  const adminPassword = mode === 'formal' ? 'Exam-Site-2026' : '888';
  if (mode === 'formal') {
    const changed = await admin.put('/api/auth/password', { oldPassword: '888', newPassword: adminPassword });
    if (changed.status !== 200) throw new Error(`password: ${changed.status} ${JSON.stringify(changed.body)}`);
  }
  const settings = await admin.put('/api/settings', { siteCode: SITE, mode });
  if (settings.status !== 200) throw new Error(`settings: ${settings.status} ${JSON.stringify(settings.body)}`);

  const dongle = (await server.kernel.get(coreServices.dongle)).current();
  if (!dongle) throw new Error('no soft dongle');
  const keys = dongle.publicKeys();
  if (options.registerDongle !== false) sim.registerDongle({ id: dongle.id(), signingPublicKey: keys.signing, wrappingPublicKey: keys.wrapping, siteCode: SITE });

  const now = Date.now();
  const specs = sessionSpecs(now);
  const release = await sim.publish({
    siteCode: SITE,
    mode,
    rooms: options.rooms ?? 3,
    candidatesPerRoom: 6,
    sessions: specs,
    releaseTime: new Date(now - HOUR).toISOString(),
    seed: 11,
  });
  if (options.loadData !== false) {
    const r = await admin.post('/api/load/download');
    if (r.status !== 200) throw new Error(`load: ${r.status} ${JSON.stringify(r.body)}`);
  }

  const site: AuthorizationSite = {
    sim,
    get server() {
      return server;
    },
    get admin() {
      return admin;
    },
    dataDir,
    simDir,
    dongleId: dongle.id(),
    release,
    sessionStarts: Object.fromEntries(specs.map((s) => [s.no, Date.parse(s.startsAt)])),
    advanceDongleClock(ms) {
      dongleClock.advance(ms);
    },
    async calibrate() {
      const token = createTimeToken({ time: Date.now(), dongleId: dongle.id() }, sim.state.signingKey.privateKeyPem);
      const r = await admin.post('/api/clock/import', Buffer.from(JSON.stringify(token)), { 'content-type': 'application/json' });
      if (r.status !== 200) throw new Error(`calibrate: ${r.status} ${JSON.stringify(r.body)}`);
    },
    issueContext(sessionNo) {
      const session = release.sessions.find((s) => s.no === sessionNo);
      const contentKey = release.sessionKeys[sessionNo];
      if (!session || !contentKey) throw new Error(`no session ${sessionNo}`);
      return {
        siteCode: SITE,
        mode,
        sessionNo,
        dongle: { id: dongle.id(), wrappingPublicKey: keys.wrapping, signingPublicKey: keys.signing },
        session,
        contentKey,
        key: sim.state.signingKey,
        releaseTime: release.releaseTime,
        manifestSha256: release.manifestSha256,
      };
    },
    async sessions() {
      const r = await admin.get<{ sessions: SessionAuthorizationStatus[] }>('/api/authorization/sessions');
      if (r.status !== 200) throw new Error(`sessions: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body.sessions;
    },
    async restart() {
      await server.stop();
      server = await startServer();
      admin = new TestClient(server.url);
      await admin.login('admin', adminPassword);
    },
    async stop() {
      await server.stop();
      await sim.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
      fs.rmSync(simDir, { recursive: true, force: true });
    },
  };
  return site;
}

/** Every file under a folder (recursively), for the "no plaintext key on disk" scan. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(p));
    else if (entry.isFile()) out.push(p);
  }
  return out;
}

/**
 * Re-signs a built package so that some rooms sit only some sessions (the simulator's
 * builder puts every room in every session).
 */
function restrictRooms(built: BuiltPackage, key: CentreSigningKey, roomSessions: Readonly<Record<string, readonly number[]>>): BuiltPackage {
  if (Object.keys(roomSessions).length === 0) return built;
  const zip = new AdmZip(built.bytes);
  const manifest = JSON.parse(zip.readAsText(MANIFEST_ENTRY)) as PackageManifest;
  for (const [roomCode, nos] of Object.entries(roomSessions)) {
    const name = roomEntryName(roomCode);
    const room = JSON.parse(zip.readAsText(name)) as PackageRoomFile;
    room.sessions = room.sessions.filter((s) => nos.includes(s.no));
    const bytes = Buffer.from(JSON.stringify(room), 'utf8');
    zip.updateFile(name, bytes);
    const entry = manifest.files.find((f) => f.name === name);
    if (!entry) throw new Error(`no ${name} in manifest`);
    entry.size = bytes.length;
    entry.sha256 = sha256Hex(bytes);
  }
  const manifestBytes = Buffer.from(JSON.stringify(manifest, null, 1), 'utf8');
  zip.updateFile(MANIFEST_ENTRY, manifestBytes);
  zip.updateFile(
    MANIFEST_SIG_ENTRY,
    Buffer.from(JSON.stringify({ v: 1, alg: 'Ed25519', keyId: key.keyId, sig: signBytes(manifestBytes, key.privateKeyPem).toString('base64') }), 'utf8'),
  );
  return { ...built, bytes: zip.toBuffer(), manifestSha256: sha256Hex(manifestBytes) };
}

/** The raw authorization table, to prove that a refused request changed nothing. */
export async function authorizationRows(site: AuthorizationSite): Promise<unknown[]> {
  return site.server.store.manager.query('SELECT * FROM authorization_session ORDER BY mode, "sessionNo"');
}

/**
 * Writes one session's file for this site's dongle with a centre-simulator command
 * (`write-ptq`, `write-verification`), as the centre's operator would for a site that
 * cannot reach it; returns the file's bytes. `extra`: more flags (e.g. `--version 3`).
 */
export async function writeSessionFileWithSim(site: AuthorizationSite, command: SimCommand, sessionNo: number, extra: readonly string[] = []): Promise<Buffer> {
  const out = path.join(fs.mkdtempSync(path.join(site.simDir, 'out-')), `${sessionNo}.${command.name}`);
  const lines: string[] = [];
  const argv = ['--data', site.simDir, '--site', SITE, '--mode', 'mock', '--session', String(sessionNo), '--dongle', site.dongleId, '--out', out, ...extra];
  const code = await command.run(new SimArgs(argv), { out: (l) => lines.push(l), err: (l) => lines.push(l) });
  expect(code, lines.join('\n')).to.equal(0);
  return fs.readFileSync(out);
}
