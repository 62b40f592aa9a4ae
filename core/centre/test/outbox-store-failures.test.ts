import { expect } from 'chai';
import fs from 'node:fs';
import type { EntityManager } from 'typeorm';
import { Store } from '../../store/store';
import { FakeCentreClient } from '../../testing/fake-centre';
import { makeTempDir } from '../../testing/test-server';
import { CentreOutboxRow, StoreOutbox } from '../index';
import { waitFor } from '../../testing/wait-for';

/** The real store, except that the next `failWrites` writes fail like a full or locked disk. */
class FlakyStore {
  failWrites = 0;
  constructor(readonly real: Store) {}
  get manager(): EntityManager {
    return this.real.manager;
  }
  write<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    if (this.failWrites > 0) {
      this.failWrites--;
      return Promise.reject(new Error('SQLITE_FULL: database or disk is full'));
    }
    return this.real.write(work);
  }
  afterCommit(hook: () => void): void {
    this.real.afterCommit(hook);
  }
}

describe('centre outbox when the database fails (R12.1: never drop a report, never report twice)', function () {
  this.timeout(20000);
  let dir: string;
  let store: Store;
  let flaky: FlakyStore;
  let centre: FakeCentreClient;
  let outbox: StoreOutbox;

  beforeEach(async () => {
    dir = makeTempDir('outbox-db-');
    store = await Store.open({ dataDir: dir, databaseUrl: '', schema: { entities: [], migrations: [] } });
    flaky = new FlakyStore(store);
    centre = new FakeCentreClient();
    outbox = new StoreOutbox({
      store: flaky as unknown as Store,
      centre,
      site: { get: () => ({ siteCode: '11003', mode: 'mock' as const }) },
      retryBaseMs: 20,
      retryMaxMs: 100,
    });
    outbox.start();
  });
  afterEach(async () => {
    await outbox.stop();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the row insert fails: enqueue rejects, nothing is sent, nothing is stored', async () => {
    flaky.failWrites = 1;
    let caught: unknown;
    try {
      await outbox.enqueue('test-report', { rooms: 1 }, { idempotencyKey: 'test-report:11003:1' });
    } catch (e) {
      caught = e;
    }
    expect(caught).to.be.instanceOf(Error);
    await new Promise((r) => setTimeout(r, 100));
    expect(centre.callsOf('sendReport')).to.have.length(0);
    expect(await store.manager.count(CentreOutboxRow)).to.equal(0);
  });

  for (const failing of [1, 2]) {
    it(`the centre acks but marking it delivered fails (${failing === 1 ? 'once' : 'and so does recording the failure'}): re-sent, the centre keeps one, then marked once`, async () => {
      const sent = centre.sendReport.bind(centre);
      let armed = true;
      // Fail the write(s) right after the centre's first ack: the mark (and the failure record).
      centre.sendReport = async (r) => {
        const ack = await sent(r);
        if (armed) {
          armed = false;
          flaky.failWrites = failing;
        }
        return ack;
      };
      const entry = await outbox.enqueue('test-report', { rooms: 2 }, { idempotencyKey: 'test-report:11003:2' });
      await waitFor('delivered', async () => (await outbox.find(entry.idempotencyKey))?.state === 'delivered', 5000);
      expect(centre.callsOf('sendReport').length).to.be.at.least(2);
      expect(centre.reports.size).to.equal(1);
      const row = await store.manager.findOneByOrFail(CentreOutboxRow, { idempotencyKey: entry.idempotencyKey });
      expect(row.lastError).to.equal(null);
      expect(row.ackAt).to.equal(centre.reports.get(entry.idempotencyKey)!.receivedAt);
    });
  }
});
