import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { TestClient } from '../../testing/http-client';
import { makeTempDir, startTestServer } from '../../testing/test-server';
import { startCentreSimulator } from '../../../test/sim/centre/centre-simulator';
import { waitFor } from '../../testing/wait-for';

async function network(client: TestClient): Promise<string> {
  const r = await client.get<{ network: string }>('/api/status');
  expect(r.status).to.equal(200);
  return r.body.network;
}

describe('status bar 网络连接 follows the centre (R1.5)', () => {
  let root: string;

  beforeEach(() => {
    root = makeTempDir('centre-net-');
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('is "up" with a running simulator, "down" within 10 s after it stops, "up" again when it returns', async () => {
    let sim = await startCentreSimulator({ dataDir: path.join(root, 'centre'), port: 0 });
    const port = sim.port;
    const site = await startTestServer({
      dataDir: path.join(root, 'site'),
      plugins: [],
      env: { EXAMSITE_CENTRE_URL: sim.url, EXAMSITE_CENTRE_KEYS: sim.keys },
      config: { centreProbeIntervalMs: 200, centreTimeoutMs: 1000 },
    });
    try {
      const client = new TestClient(site.url);
      await client.login();
      await waitFor('network up', async () => (await network(client)) === 'up', 10_000);
      await sim.stop();
      const t0 = Date.now();
      await waitFor('network down', async () => (await network(client)) === 'down', 10_000);
      expect(Date.now() - t0).to.be.lessThan(10_000);
      sim = await startCentreSimulator({ dataDir: path.join(root, 'centre'), port });
      await waitFor('network up again', async () => (await network(client)) === 'up', 10_000);
      sim.setFault({ mode: 'down' });
      await waitFor('down while the centre answers 503', async () => (await network(client)) === 'down', 10_000);
    } finally {
      await site.stop();
      await sim.stop();
    }
  });

  it('is "down" (truthfully, no error) when no centre URL is configured', async () => {
    const site = await startTestServer({ dataDir: path.join(root, 'site'), plugins: [], config: { centreProbeIntervalMs: 200 } });
    try {
      const client = new TestClient(site.url);
      await client.login();
      await new Promise((r) => setTimeout(r, 500));
      expect(await network(client)).to.equal('down');
    } finally {
      await site.stop();
    }
  });
});
