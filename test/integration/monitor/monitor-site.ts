import type { ExamSiteConfigInput } from '../../../core/config/config';
import { TestClient } from '../../../core/testing/http-client';
import { ManualMonotonicClock } from '../../../core/testing/manual-clock';
import { startTestServer, type TestServer } from '../../../core/testing/test-server';
import { ProctorClient } from '../../sim/proctor/proctor-client';
import { plugin as authorizationPlugin } from '../../../plugins/authorization/server/plugin';
import { plugin as loadPlugin } from '../../../plugins/load/server/plugin';
import { buildPackage, newCentreKey } from '../registration/site-harness';
import { createRegistrationPlugin } from '../../../plugins/registration/server/plugin';
import { plugin as sealPlugin } from '../../../plugins/seal/server/plugin';
import type { MonitorOverview } from '../../../plugins/monitor/api/contract';
import { createMonitorPlugin, type MonitorPluginOptions } from '../../../plugins/monitor/server/plugin';

export interface MonitorSite {
  readonly server: TestServer;
  readonly admin: TestClient;
  /** Moves the heartbeat-age clock (the monitor's monotonic source). */
  readonly beatClock: ManualMonotonicClock;
  readonly dataDir: string;
  /** A registered proctor of the room. */
  proctor(roomCode: string): Promise<ProctorClient>;
  overview(query?: string): Promise<MonitorOverview>;
  stop(): Promise<void>;
}

export interface MonitorSiteOptions {
  readonly dataDir?: string;
  readonly rooms?: number;
  readonly monitor?: MonitorPluginOptions;
  /** Import the package (default true; false after a restart on the same data). */
  readonly importPackage?: boolean;
  readonly beatClock?: ManualMonotonicClock;
  /** More site configuration (e.g. the centre's URL). */
  readonly config?: Partial<ExamSiteConfigInput>;
}

/** A site with load + registration + authorization + seal + monitor and a 3-room package loaded. */
export async function startMonitorSite(options: MonitorSiteOptions = {}): Promise<MonitorSite> {
  const key = newCentreKey();
  const beatClock = options.beatClock ?? new ManualMonotonicClock();
  const server = await startTestServer({
    dataDir: options.dataDir,
    plugins: [loadPlugin, createRegistrationPlugin(), authorizationPlugin, sealPlugin, createMonitorPlugin({ monotonic: beatClock.now, ...options.monitor })],
    config: { centreKeys: [key.publicKey], ...options.config },
  });
  const admin = new TestClient(server.url);
  try {
    await admin.login();
    const s = await admin.put('/api/settings', { siteCode: '11003', mode: 'mock' });
    if (s.status !== 200) throw new Error(`settings: ${s.status}`);
    if (options.importPackage !== false) {
      const pkg = await buildPackage(key, { rooms: options.rooms ?? 3 });
      const r = await admin.post('/api/load/import', pkg.bytes, { 'content-type': 'application/zip' });
      if (r.status !== 200) throw new Error(`import: ${r.status} ${JSON.stringify(r.body)}`);
    }
  } catch (e) {
    await server.stop();
    throw e;
  }
  return {
    server,
    admin,
    beatClock,
    dataDir: server.dataDir,
    async proctor(roomCode) {
      const table = await admin.get<{ rooms: { roomCode: string; registrationCode: string }[] }>('/api/registration/rooms');
      const code = table.body.rooms.find((r) => r.roomCode === roomCode)?.registrationCode;
      if (!code) throw new Error(`no room ${roomCode}`);
      const client = new ProctorClient(server.url);
      await client.register({ roomCode, registrationCode: code, machineId: `pc-${roomCode}` });
      return client;
    },
    async overview(query = '') {
      const r = await admin.get<MonitorOverview>(`/api/monitor/rooms${query}`);
      if (r.status !== 200) throw new Error(`overview: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    },
    stop: () => server.stop(),
  };
}
