import { TestClient } from '../../../core/testing/http-client';
import { startTestServer, type TestServer } from '../../../core/testing/test-server';
import { createRegistrationPlugin, type RegistrationPluginOptions } from '../server/plugin';
import { FixedExamData, fixedExamDataPlugin } from './fixed-exam-data';

export interface RunningSite {
  readonly server: TestServer;
  readonly admin: TestClient;
  readonly data: FixedExamData;
  readonly url: string;
  stop(): Promise<void>;
}

/** A site with the registration plugin over fixed exam data, admin logged in, site code set. */
export async function startSite(
  options: { dataDir?: string; siteCode?: string; data?: FixedExamData; plugin?: RegistrationPluginOptions; setSiteCode?: boolean } = {},
): Promise<RunningSite> {
  const data = options.data ?? new FixedExamData({ siteCode: options.siteCode });
  const server = await startTestServer({
    dataDir: options.dataDir,
    plugins: [fixedExamDataPlugin(data), createRegistrationPlugin(options.plugin)],
  });
  const admin = new TestClient(server.url);
  await admin.login();
  if (options.setSiteCode !== false) {
    const r = await admin.put('/api/settings', { siteCode: options.siteCode ?? '11003', mode: 'mock' });
    if (r.status !== 200) throw new Error(`settings: ${r.status} ${JSON.stringify(r.body)}`);
  }
  return { server, admin, data, url: server.url, stop: () => server.stop() };
}

export interface TableBody {
  siteCode: string | null;
  siteUrl: string;
  registeredCount: number;
  unregisteredCount: number;
  rooms: { roomCode: string; registrationCode: string; registration: { ip: string; machineId: string; registrationId: string } | null; note: string }[];
}

export async function table(site: RunningSite): Promise<TableBody> {
  const r = await site.admin.get<TableBody>('/api/registration/rooms');
  if (r.status !== 200) throw new Error(`table: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}
