import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import type { LiveEvent } from '../../events/live-events';
import { coreServices } from '../../services';
import { makeTempDir, startTestServer, type TestServer } from '../../testing/test-server';
import { startCentreSimulator, type RunningCentreSimulator } from '../../../test/sim/centre/centre-simulator';
import { CentreError, CentreOutboxRow, OUTBOX_LIVE_EVENT, type OutboxLiveEvent } from '../index';
import { rejectionOf } from './centre-test-helpers';
import { waitFor } from '../../testing/wait-for';

/** Short intervals so retries and the probe happen within a test's patience. */
function siteConfig(sim: RunningCentreSimulator) {
  return {
    centreUrl: sim.url,
    centreKeys: sim.keys.split(','),
    centreTimeoutMs: 1000,
    centreProbeIntervalMs: 200,
    centreRetryBaseMs: 50,
    centreRetryMaxMs: 300,
  };
}

async function startSite(dataDir: string, sim: RunningCentreSimulator, siteCode: string | null = '11003'): Promise<TestServer> {
  const site = await startTestServer({ dataDir, plugins: [], config: siteConfig(sim) });
  if (siteCode) await (await site.kernel.get(coreServices.settings)).update({ siteCode, mode: 'mock' });
  return site;
}

describe('centre outbox: reports are kept until the centre acknowledges them (R5.2, R12.1)', () => {
  let root: string;
  let sim: RunningCentreSimulator;

  beforeEach(async () => {
    root = makeTempDir('centre-outbox-');
    sim = await startCentreSimulator({ dataDir: path.join(root, 'centre'), port: 0 });
  });
  afterEach(async () => {
    await sim.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('centre down → reports kept and retried → centre up → each delivered exactly once, oldest first', async () => {
    sim.setFault({ mode: 'down' });
    const site = await startSite(path.join(root, 'site'), sim);
    try {
      const outbox = await site.kernel.get(coreServices.outbox);
      const live = await site.kernel.get(coreServices.liveEvents);
      const events: OutboxLiveEvent[] = [];
      live.subscribe((e: LiveEvent) => {
        if (e.type === OUTBOX_LIVE_EVENT) events.push(e.data as OutboxLiveEvent);
      });
      const a = await outbox.enqueue('test-report', { passed: true, n: 1 });
      const b = await outbox.enqueue('session-started', { sessionNo: 1 });
      const c = await outbox.enqueue('test-report', { passed: true, n: 3 });

      // Retried while down: attempts grow, nothing recorded at the centre, nothing lost.
      await waitFor('a retry while the centre is down', async () => ((await outbox.find(a.idempotencyKey))?.attempts ?? 0) >= 2);
      const pending = await outbox.pending();
      expect(pending.map((e) => e.idempotencyKey)).to.deep.equal([a, b, c].map((e) => e.idempotencyKey));
      expect(pending[0]?.lastError).to.contain('监控平台暂时无法处理请求');
      expect(sim.reports()).to.have.length(0);

      sim.setFault({ mode: 'none' });
      await waitFor('all delivered', async () => (await outbox.pending()).length === 0);
      const reports = sim.reports();
      expect(reports.map((r) => r.idempotencyKey)).to.deep.equal([a, b, c].map((e) => e.idempotencyKey));
      for (const r of reports) expect(r.receivedCount).to.equal(1);
      expect(reports[0]?.payload).to.deep.equal({ passed: true, n: 1 });
      expect(reports[0]?.siteCode).to.equal('11003');
      expect(reports[0]?.mode).to.equal('mock');

      const delivered = await outbox.delivered('test-report');
      expect(delivered.map((e) => e.idempotencyKey)).to.deep.equal([c, a].map((e) => e.idempotencyKey));
      const first = delivered[1];
      expect(first?.state).to.equal('delivered');
      expect(first?.attempts).to.be.greaterThan(1); // the site did retry
      expect(first?.ackAt).to.equal(reports[0]?.receivedAt);
      expect(first?.lastError).to.equal(null);
      const deliveredEvents = events.filter((e) => e.change === 'delivered');
      expect(deliveredEvents.map((e) => e.entry.idempotencyKey)).to.deep.equal([a, b, c].map((e) => e.idempotencyKey));
      expect(deliveredEvents[0]?.entry.deliveredAt).to.be.a('string');
    } finally {
      await site.stop();
    }
  });

  it('a lost ack (reply cut after the centre recorded it) is re-sent and deduplicated by the centre', async () => {
    sim.setFault({ mode: 'truncate', only: '/v1/reports' });
    const site = await startSite(path.join(root, 'site'), sim);
    try {
      const outbox = await site.kernel.get(coreServices.outbox);
      const e = await outbox.enqueue('room-status', { rooms: [{ code: '11003001', online: true }] });
      await waitFor('the centre received it twice', () => (sim.reports()[0]?.receivedCount ?? 0) >= 2);
      expect((await outbox.find(e.idempotencyKey))?.state).to.equal('pending');
      expect((await outbox.find(e.idempotencyKey))?.lastError).to.contain('监控平台返回的数据不完整，请稍后重试');
      sim.setFault({ mode: 'none' });
      await waitFor('delivered', async () => (await outbox.find(e.idempotencyKey))?.state === 'delivered');
      const reports = sim.reports();
      expect(reports).to.have.length(1); // the centre kept one report …
      expect(reports[0]?.receivedCount).to.be.greaterThan(2); // … of several sends
      const entry = await outbox.find(e.idempotencyKey);
      expect(entry?.ackAt).to.equal(reports[0]?.receivedAt);
    } finally {
      await site.stop();
    }
  });

  it('pending reports survive a restart of the site and are delivered after it', async () => {
    sim.setFault({ mode: 'down', closeSockets: true });
    const dataDir = path.join(root, 'site');
    const site = await startSite(dataDir, sim);
    const outbox = await site.kernel.get(coreServices.outbox);
    const keys = [
      (await outbox.enqueue('day-status', { complete: false })).idempotencyKey,
      (await outbox.enqueue('day-status', { complete: true }, { idempotencyKey: 'day:11003:final' })).idempotencyKey,
    ];
    await waitFor('tried once', async () => ((await outbox.find(keys[0] as string))?.attempts ?? 0) >= 1);
    await site.stop();
    sim.setFault({ mode: 'none' });
    expect(sim.reports()).to.have.length(0);

    const again = await startTestServer({ dataDir, plugins: [], config: siteConfig(sim) });
    try {
      const outbox2 = await again.kernel.get(coreServices.outbox);
      await waitFor('delivered after restart', async () => (await outbox2.pending()).length === 0);
      expect(sim.reports().map((r) => r.idempotencyKey)).to.deep.equal(keys);
      expect(sim.reports().every((r) => r.receivedCount === 1)).to.equal(true);
    } finally {
      await again.stop();
    }
  });

  it('500 and slow replies leave the report pending with a Chinese reason; nothing is recorded or lost', async () => {
    sim.setFault({ mode: 'error500', only: '/v1/reports' });
    const site = await startSite(path.join(root, 'site'), sim);
    try {
      const outbox = await site.kernel.get(coreServices.outbox);
      const e = await outbox.enqueue('test-report', { passed: false });
      await waitFor('a failed attempt', async () => ((await outbox.find(e.idempotencyKey))?.attempts ?? 0) >= 1);
      let entry = await outbox.find(e.idempotencyKey);
      expect(entry?.state).to.equal('pending');
      expect(entry?.lastError).to.contain('监控平台暂时无法处理请求');
      expect(entry?.payload).to.deep.equal({ passed: false });
      sim.setFault({ mode: 'slow', delayMs: 1500, only: '/v1/reports' });
      const attempts = entry?.attempts ?? 0;
      await waitFor('a timed-out attempt', async () => (await outbox.find(e.idempotencyKey))?.lastError?.includes('超时'), 5000);
      entry = await outbox.find(e.idempotencyKey);
      expect(entry?.attempts).to.be.greaterThan(attempts);
      expect(entry?.state).to.equal('pending');
      expect(sim.reports()).to.have.length(0);
    } finally {
      await site.stop();
    }
  });

  it('enqueue refuses bad input with a Chinese message and stores nothing; the same key twice is one report', async () => {
    const site = await startSite(path.join(root, 'site'), sim, null);
    try {
      const outbox = await site.kernel.get(coreServices.outbox);
      const store = await site.kernel.get(coreServices.store);
      const noSite = await rejectionOf(outbox.enqueue('test-report', {}));
      expect(noSite).to.be.instanceOf(CentreError);
      expect(noSite.message).to.contain('尚未设置考点代码');
      await (await site.kernel.get(coreServices.settings)).update({ siteCode: '11003', mode: 'mock' });
      expect((await rejectionOf(outbox.enqueue('Bad Kind!', {}))).message).to.contain('上报类型');
      expect((await rejectionOf(outbox.enqueue('test-report', {}, { idempotencyKey: 'x' }))).message).to.contain('幂等键');
      expect((await rejectionOf(outbox.enqueue('test-report', { big: 'x'.repeat(1024 * 1024) }))).message).to.contain('1 MB');
      expect(await store.manager.count(CentreOutboxRow)).to.equal(0);

      const one = await outbox.enqueue('test-report', { n: 1 }, { idempotencyKey: 'report:11003:day1' });
      const two = await outbox.enqueue('test-report', { n: 2 }, { idempotencyKey: 'report:11003:day1' });
      expect(two.id).to.equal(one.id);
      expect(await store.manager.count(CentreOutboxRow)).to.equal(1);
      await waitFor('delivered', async () => (await outbox.find('report:11003:day1'))?.state === 'delivered');
      expect(sim.reports()).to.have.length(1);
      expect(sim.reports()[0]?.payload).to.deep.equal({ n: 1 });
    } finally {
      await site.stop();
    }
  });

  it('plugins can swap the centre client for a fake through coreServices.centre', async () => {
    const sent: string[] = [];
    const fake = {
      configured: true,
      ping: async () => ({ ok: true as const, version: 1 as const, time: new Date().toISOString() }),
      sendReport: async (r: { idempotencyKey: string }) => {
        sent.push(r.idempotencyKey);
        return { ack: true as const, idempotencyKey: r.idempotencyKey, receivedAt: new Date().toISOString(), duplicate: false };
      },
    };
    const { rootService } = await import('../../kernel/kernel');
    const site = await startTestServer({
      plugins: [],
      config: { centreProbeIntervalMs: 200 },
      coreServiceOverrides: [rootService(coreServices.centre, {}, () => fake as never)],
    });
    try {
      await (await site.kernel.get(coreServices.settings)).update({ siteCode: '11003', mode: 'mock' });
      const outbox = await site.kernel.get(coreServices.outbox);
      const e = await outbox.enqueue('test-report', {});
      await waitFor('sent through the fake', () => sent.includes(e.idempotencyKey));
      expect(await site.kernel.get(coreServices.centre)).to.equal(fake);
      await waitFor('marked delivered', async () => (await outbox.find(e.idempotencyKey))?.state === 'delivered');
    } finally {
      await site.stop();
    }
  });
});
