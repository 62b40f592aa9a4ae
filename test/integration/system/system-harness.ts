import fs from 'node:fs';
import path from 'node:path';
import type { ExamSiteConfigInput } from '../../../core/config/config';
import { definePlugin, type PluginDefinition } from '../../../core/kernel/plugin';
import { TestClient } from '../../../core/testing/http-client';
import { makeTempDir, startTestServer, type TestServer } from '../../../core/testing/test-server';
import { waitFor } from '../../../core/testing/wait-for';
import type { CentreSigningKey } from '../../sim/centre/sim-types';
import { plugin as loadPlugin } from '../../../plugins/load/server/plugin';
import { createRegistrationPlugin } from '../../../plugins/registration/server/plugin';
import { unreportedDataPoint } from '../../../plugins/system/api';
import { plugin as systemPlugin } from '../../../plugins/system/server/plugin';

/** What a stage has not reported yet, set by the test (stands in for the collection stage). */
export interface UnreportedProbe {
  pending: string[];
}

export function unreportedPlugin(probe: UnreportedProbe): PluginDefinition {
  return definePlugin({
    manifest: { id: 'test-unreported', version: '1.0.0', host: '^0.1.0', displayName: '测试：未上报数据' },
    register(env) {
      env.extend(unreportedDataPoint, { label: '考试结果', unreported: async () => probe.pending });
    },
  });
}

/** A site with 载入考务, 考场注册 and 系统管理 on `dataDir` (fresh by default), optionally with another site's dongle. */
export async function startSystemSite(options: {
  key: CentreSigningKey;
  dataDir?: string;
  /** Copies this data folder's soft dongle first: "the same dongle plugged into the new PC". */
  dongleFrom?: string;
  probe?: UnreportedProbe;
  /** More data participants (bench: a results folder). */
  extraPlugins?: readonly PluginDefinition[];
  /** More site configuration (e.g. labAllowSoftDongleFormal for a formal exam on the soft dongle). */
  config?: Partial<ExamSiteConfigInput>;
}): Promise<{ server: TestServer; admin: TestClient }> {
  const dataDir = options.dataDir ?? makeTempDir('examsite-system-');
  if (options.dongleFrom) fs.copyFileSync(path.join(options.dongleFrom, 'soft-dongle.json'), path.join(dataDir, 'soft-dongle.json'));
  const server = await startTestServer({
    dataDir,
    plugins: [loadPlugin, createRegistrationPlugin(), systemPlugin, unreportedPlugin(options.probe ?? { pending: [] }), ...(options.extraPlugins ?? [])],
    config: { centreKeys: [options.key.publicKey], ...options.config },
  });
  const admin = new TestClient(server.url);
  await admin.login();
  return { server, admin };
}

/** Waits until the host came back after the restart that `restarts` counted before. */
export async function restarted(server: TestServer, before: number): Promise<void> {
  await waitFor('the host restarted in process', () => server.restarts > before, 20_000);
}
