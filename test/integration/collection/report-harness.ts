import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { definePlugin, type PluginDefinition } from '../../../core/kernel/plugin';
import { coreServices } from '../../../core/services';
import { TestClient } from '../../../core/testing/http-client';
import { makeTempDir, startTestServer, type TestServer } from '../../../core/testing/test-server';
import { startCentreSimulator, type RunningCentreSimulator } from '../../sim/centre/centre-simulator';
import { examDataServiceRef } from '../../../plugins/load/api';
import { plugin as loadPlugin } from '../../../plugins/load/server/plugin';
import { buildPackage, newCentreKey } from '../registration/site-harness';
import type { CollectedPackage, CollectedResultsSource } from '../../../plugins/collection/server/report/collected-results';
import { reportEntities, reportMigrations, startResultReport } from '../../../plugins/collection/server/report/report-module';
import type { ResultReport } from '../../../plugins/collection/server/report/result-report';
import type { ReportView } from '../../../plugins/collection/api/report-contract';

/** Stands in for the 数据回收 store in the report tests: packages written to a folder. */
export class ListedResults implements CollectedResultsSource {
  readonly packages: CollectedPackage[] = [];

  constructor(private readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true });
  }

  async list(): Promise<CollectedPackage[]> {
    return [...this.packages];
  }

  add(roomCode: string, sessionNo: number, size: number): CollectedPackage {
    const bytes = randomBytes(size);
    const file = path.join(this.dir, `${roomCode}-${sessionNo}.zip`);
    fs.writeFileSync(file, bytes);
    const p = { roomCode, sessionNo, file, size, sha256: createHash('sha256').update(bytes).digest('hex'), acceptedAt: new Date().toISOString() };
    this.packages.push(p);
    return p;
  }
}

function reportTestPlugin(source: ListedResults, onStart: (r: ResultReport, rooms: (no: number) => Promise<string[]>) => void): PluginDefinition {
  return definePlugin({
    manifest: { id: 'collection', version: '1.0.0', host: '^0.1.0', displayName: '数据回收', stage: 'collection' },
    register(env) {
      env.registerEntities(reportEntities);
      env.registerMigrations(reportMigrations);
      env.registerInit({
        deps: {
          http: coreServices.http,
          auth: coreServices.adminAuth,
          store: coreServices.store,
          settings: coreServices.settings,
          audit: coreServices.audit,
          centre: coreServices.centre,
          live: coreServices.liveEvents,
          examData: examDataServiceRef,
        },
        init(deps) {
          onStart(startResultReport({ ...deps, source }), (no) => deps.examData.roomsOfSession(no));
        },
      });
    },
  });
}

export interface ReportSite {
  readonly server: TestServer;
  readonly admin: TestClient;
  readonly centre: RunningCentreSimulator;
  readonly results: ListedResults;
  readonly report: ResultReport;
  /** A folder standing in for the external drive. */
  readonly drive: string;
  roomsOf(sessionNo: number): Promise<string[]>;
  view(): Promise<ReportView>;
  stop(): Promise<void>;
}

/** A loaded site (3 rooms, 2 sessions) reporting to the centre simulator. */
export async function startReportSite(): Promise<ReportSite> {
  const work = makeTempDir('report-site-');
  const centre = await startCentreSimulator({ dataDir: path.join(work, 'centre'), port: 0 });
  const key = newCentreKey();
  const results = new ListedResults(path.join(work, 'collected'));
  let started: { report: ResultReport; rooms: (no: number) => Promise<string[]> } | null = null;
  const server = await startTestServer({
    plugins: [loadPlugin, reportTestPlugin(results, (report, rooms) => (started = { report, rooms }))],
    config: { centreKeys: [key.publicKey], centreUrl: centre.url, centreRetryBaseMs: 50, centreRetryMaxMs: 100 },
  });
  const admin = new TestClient(server.url);
  await admin.login();
  await admin.put('/api/settings', { siteCode: '11003', mode: 'mock' });
  const pkg = await buildPackage(key);
  const imported = await admin.post('/api/load/import', pkg.bytes, { 'content-type': 'application/zip' });
  if (imported.status !== 200) throw new Error(`import: ${imported.status}`);
  const ready = started as { report: ResultReport; rooms: (no: number) => Promise<string[]> } | null;
  if (!ready) throw new Error('report not started');
  const drive = path.join(work, 'usb');
  fs.mkdirSync(drive);
  return {
    server,
    admin,
    centre,
    results,
    report: ready.report,
    drive,
    roomsOf: ready.rooms,
    async view() {
      const r = await admin.get<ReportView>('/api/collection/report');
      if (r.status !== 200) throw new Error(`report: ${r.status}`);
      return r.body;
    },
    async stop() {
      await server.stop();
      await centre.stop();
      fs.rmSync(work, { recursive: true, force: true });
    },
  };
}
