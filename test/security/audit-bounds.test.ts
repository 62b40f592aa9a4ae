import { expect } from 'chai';
import pino from 'pino';
import { AuditLog } from '../../core/auth/audit';
import { coreServices } from '../../core/services';
import { AuditLogRow } from '../../core/store/core-entities';
import { TestClient } from '../../core/testing/http-client';
import { startTestServer, type TestServer } from '../../core/testing/test-server';
import { buildPackage, newCentreKey } from '../integration/registration/site-harness';

const ROOM = '11003001';
// Enough to show the bound (a few rows, whatever the count); 10,000 took a minute each on a quiet CI.
const FLOOD = 3_000;

/** `count` requests, `parallel` at a time. */
async function flood(count: number, parallel: number, one: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) await one(next++);
    }),
  );
}

describe('unauthenticated requests cannot grow the audit log without bound (issue 10 point 4)', function () {
  this.timeout(300_000);
  let server: TestServer;
  let admin: TestClient;

  before(async () => {
    const key = newCentreKey();
    // The default 10-minute coalescing window: the whole flood falls into one.
    server = await startTestServer({ config: { centreKeys: [key.publicKey] } });
    admin = new TestClient(server.url);
    await admin.login();
    expect((await admin.put('/api/settings', { siteCode: '11003', mode: 'mock' })).status).to.equal(200);
    const pkg = await buildPackage(key, { rooms: 2 });
    expect((await admin.post('/api/load/import', pkg.bytes, { 'content-type': 'application/zip' })).status).to.equal(200);
  });
  after(() => server?.stop());

  const rows = (action: string): Promise<AuditLogRow[]> => server.store.manager.find(AuditLogRow, { where: { action }, order: { id: 'ASC' } });

  it(`${FLOOD} wrong registration codes from one address add a bounded number of rows, with a count`, async () => {
    const before = await server.store.manager.count(AuditLogRow);
    const statuses = new Map<number, number>();
    await flood(FLOOD, 16, async (i) => {
      const r = await fetch(`${server.url}/api/proctor/v1/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ roomCode: ROOM, registrationCode: String(10_000_000 + i), machineId: `pc-guess-${i}`, clientVersion: '1.0.0' }),
      });
      await r.arrayBuffer();
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    });
    // Every guess was refused (wrong code, then the address locked).
    expect([...statuses.keys()].every((s) => s === 401 || s === 429), JSON.stringify([...statuses])).to.equal(true);
    const added = (await server.store.manager.count(AuditLogRow)) - before;
    expect(added, 'rows while the window is open').to.be.at.most(4);

    // The window ends (here: the log stops, as at shutdown): one summary row per action
    // carries the count and the first/last time.
    await (await server.kernel.get(coreServices.audit)).stop();
    const locked = await rows('proctor.register.locked');
    const failed = await rows('proctor.register.failed');
    expect(locked.length + failed.length).to.be.at.most(4);
    // Each guess is either a row of its own or counted in a summary row.
    const events = [...locked, ...failed].reduce((n, r) => n + ((JSON.parse(r.detail) as { repeated?: number }).repeated ?? 1), 0);
    expect(events).to.equal(FLOOD);
    const summary = JSON.parse(locked.find((r) => 'repeated' in JSON.parse(r.detail))!.detail) as { ip: string; firstAt: string; lastAt: string };
    expect(summary.ip).to.equal('127.0.0.1');
    expect(Date.parse(summary.lastAt)).to.be.at.least(Date.parse(summary.firstAt));
  });

  it(`${FLOOD} failed admin logins from one address add a bounded number of rows`, async () => {
    const before = await server.store.manager.count(AuditLogRow);
    await flood(FLOOD, 16, async (i) => {
      const r = await fetch(`${server.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: new URL(server.url).origin },
        body: JSON.stringify({ username: `u${i}`, password: 'wrong' }),
      });
      await r.arrayBuffer();
    });
    expect((await server.store.manager.count(AuditLogRow)) - before).to.be.at.most(4);
  });

  it('retention: entries beyond the row cap and past the age limit are dropped, recorded, and the chain still verifies', async () => {
    const audit = new AuditLog(server.store, pino({ level: 'silent' }), { maxAgeDays: 30, maxRows: 1000, coalesceWindowMs: 1000 });
    for (let i = 0; i < 1100; i++) await audit.record('test', 'test.row', { i });
    const total = await server.store.manager.count(AuditLogRow);
    const byCap = await audit.prune();
    expect(byCap).to.equal(total - 1000);
    // The cap, plus the entry saying what was dropped.
    expect(await server.store.manager.count(AuditLogRow)).to.equal(1001);
    expect(JSON.parse((await rows('audit.pruned')).at(-1)!.detail)).to.include({ rows: byCap, maxRows: 1000 });
    expect(await audit.verify()).to.include({ intact: true });

    // 31 days later every entry is past the 30-day limit.
    const byAge = await audit.prune(Date.now() + 31 * 86_400_000);
    expect(byAge).to.equal(1001);
    expect(await server.store.manager.count(AuditLogRow)).to.equal(1);
    expect(await audit.verify()).to.include({ intact: true });
    // Nothing to drop: nothing recorded either.
    expect(await audit.prune()).to.equal(0);
    expect(await server.store.manager.count(AuditLogRow)).to.equal(1);
    // The product's own log runs the same rule (at start and hourly).
    expect(await server.kernel.get(coreServices.audit)).to.be.instanceOf(AuditLog);
  });
});
