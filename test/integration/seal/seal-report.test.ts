import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '../../../core/testing/free-port';
import { TestClient } from '../../../core/testing/http-client';
import { makeTempDir, startTestServer, type TestServer } from '../../../core/testing/test-server';
import { waitFor } from '../../../core/testing/wait-for';
import type { SealPanel, SealRunView } from '../../../plugins/seal/api';
import { plugin as sealPlugin } from '../../../plugins/seal/server/plugin';
import { SEAL_REPORT_KIND } from '../../../plugins/seal/server/seal-service';
import { startCentreSimulator, type RunningCentreSimulator } from '../../sim/centre/centre-simulator';

/**
 * R5.2 (issue 11 done-when): a passing 封场检测 run is reported through the outbox; with the
 * centre down the panel says it waits, and once the centre is back it is delivered exactly
 * once, also when the site restarted in between. Only core's items (dongle, disk, password
 * in mock mode) are on this site, so the run passes.
 */
describe('封场检测 report: offline → online, exactly once across a restart (R5.2)', function () {
  this.timeout(60_000);
  const work = makeTempDir('examsite-seal-report-');
  const dataDir = path.join(work, 'site');
  let server: TestServer | null = null;
  let centre: RunningCentreSimulator | null = null;
  after(async () => {
    await server?.stop();
    await centre?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('waits while the centre is down, is sent once when it is up, and the restart does not send it again', async () => {
    const port = await freePort();
    const config = { centreUrl: `http://127.0.0.1:${port}`, centreRetryBaseMs: 50, centreRetryMaxMs: 100 };
    const start = async (): Promise<TestClient> => {
      server = await startTestServer({ dataDir, plugins: [sealPlugin], config });
      const admin = new TestClient(server.url);
      await admin.login();
      return admin;
    };
    let admin = await start();
    await admin.put('/api/settings', { siteCode: '11003', mode: 'mock' });
    const run = await admin.post<SealRunView>('/api/seal/run', {});
    expect(run.status, JSON.stringify(run.body)).to.equal(200);
    expect(run.body.passed, JSON.stringify(run.body.items)).to.equal(true);
    expect(run.body.report).to.deep.equal({ state: 'pending', deliveredAt: null });

    // The site restarts while the centre is still down: the report is kept, still waiting.
    await server!.stop();
    admin = await start();
    expect((await admin.get<SealPanel>('/api/seal')).body.lastRun?.report?.state).to.equal('pending');

    centre = await startCentreSimulator({ dataDir: path.join(work, 'centre'), port });
    await waitFor('seal report delivered', async () => (await admin.get<SealPanel>('/api/seal')).body.lastRun?.report?.state === 'delivered', 10_000, 50);
    const delivered = (await admin.get<SealPanel>('/api/seal')).body.lastRun!.report!;
    expect(delivered.deliveredAt).to.be.a('string');
    expect(centre.reports(SEAL_REPORT_KIND)).to.have.length(1);

    // Another restart with the centre up: nothing is sent again.
    await server!.stop();
    admin = await start();
    await new Promise((r) => setTimeout(r, 500));
    expect(centre.reports(SEAL_REPORT_KIND)).to.have.length(1);
    expect((await admin.get<SealPanel>('/api/seal')).body.lastRun?.report?.state).to.equal('delivered');
  });
});
