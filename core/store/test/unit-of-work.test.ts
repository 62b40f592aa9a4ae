import { expect } from 'chai';
import fs from 'node:fs';
import { AuditLogRow, SettingRow } from '../core-entities';
import { CentreOutboxRow, OUTBOX_LIVE_EVENT } from '../../centre';
import { coreServices } from '../../services';
import { makeTempDir, startTestServer, type TestServer } from '../../testing/test-server';
import { Store } from '../store';

class Refused extends Error {}

describe('one unit of work: nested writes join, row + outbox + audit commit or roll back together (issue 9 point 1)', () => {
  describe('the store alone', () => {
    let dir: string;
    let store: Store;
    beforeEach(async () => {
      dir = makeTempDir('uow-');
      store = await Store.open({ dataDir: dir, databaseUrl: '', schema: { entities: [], migrations: [] } });
    });
    afterEach(async () => {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('a write inside a running write joins it instead of waiting behind it forever', async () => {
      const result = await store.write(async (outer) => {
        await outer.insert(SettingRow, { key: 'a', value: '1', updatedAt: 'now' });
        const inner = await store.write(async (em) => {
          expect(em).to.equal(outer);
          await em.insert(SettingRow, { key: 'b', value: '2', updatedAt: 'now' });
          return 'inner done';
        });
        return inner;
      });
      expect(result).to.equal('inner done');
      expect((await store.manager.find(SettingRow)).map((r) => r.key).sort()).to.deep.equal(['a', 'b']);
    });

    it('a nested write that fails rolls back the outer one too, and its after-commit hooks never run', async () => {
      const ran: string[] = [];
      let error: unknown;
      try {
        await store.write(async (em) => {
          await em.insert(SettingRow, { key: 'a', value: '1', updatedAt: 'now' });
          store.afterCommit(() => ran.push('outer hook'));
          await store.write(async (inner) => {
            await inner.insert(SettingRow, { key: 'b', value: '2', updatedAt: 'now' });
            throw new Refused('no');
          });
        });
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(Refused);
      expect(await store.manager.count(SettingRow)).to.equal(0);
      expect(ran).to.deep.equal([]);
    });

    it('after-commit hooks run once the commit is done, in order; outside a write at once', async () => {
      const seen: string[] = [];
      await store.write(async (em) => {
        await em.insert(SettingRow, { key: 'a', value: '1', updatedAt: 'now' });
        store.afterCommit(() => seen.push('first'));
        store.afterCommit(() => seen.push('second'));
        expect(seen).to.deep.equal([]);
      });
      expect(seen).to.deep.equal(['first', 'second']);
      store.afterCommit(() => seen.push('outside'));
      expect(seen).to.deep.equal(['first', 'second', 'outside']);
    });

    it('work started from inside a write but run after it ended (a timer) gets its own transaction', async () => {
      let later: Promise<void> | undefined;
      await store.write(async (em) => {
        await em.insert(SettingRow, { key: 'a', value: '1', updatedAt: 'now' });
        later = new Promise<void>((resolve, reject) => {
          setTimeout(() => {
            expect(store.currentUnitOfWork()).to.equal(null);
            store.write((inner) => inner.insert(SettingRow, { key: 'b', value: '2', updatedAt: 'now' })).then(() => resolve(), reject);
          }, 20);
        });
      });
      await later;
      expect(await store.manager.count(SettingRow)).to.equal(2);
    });

    it('a hook that throws does not turn a committed write into an error', async () => {
      const errors: unknown[] = [];
      store.onHookError = (e) => errors.push(e);
      const r = await store.write(async (em) => {
        await em.insert(SettingRow, { key: 'a', value: '1', updatedAt: 'now' });
        store.afterCommit(() => {
          throw new Error('listener broke');
        });
        return 7;
      });
      expect(r).to.equal(7);
      expect(errors).to.have.length(1);
      expect(await store.manager.count(SettingRow)).to.equal(1);
    });
  });

  describe('with the outbox, the audit log and the settings', () => {
    let site: TestServer;
    before(async () => {
      site = await startTestServer({ plugins: [] });
      await (await site.kernel.get(coreServices.settings)).update({ siteCode: '11003', mode: 'mock' });
    });
    after(async () => site.stop());

    it('a failing unit of work leaves no row, no outbox entry, no audit line, and announces no report', async () => {
      const store = await site.kernel.get(coreServices.store);
      const outbox = await site.kernel.get(coreServices.outbox);
      const audit = await site.kernel.get(coreServices.audit);
      const live = await site.kernel.get(coreServices.liveEvents);
      const announced: string[] = [];
      const off = live.subscribe((e) => {
        if (e.type === OUTBOX_LIVE_EVENT) announced.push(e.type);
      });
      const outboxBefore = await store.manager.count(CentreOutboxRow);
      // Only this test's lines: the host may record its own (a start, a delivery) meanwhile.
      const auditBefore = await store.manager.countBy(AuditLogRow, { action: 'uow.test' });
      try {
        let error: unknown;
        try {
          await store.write(async (em) => {
            await em.insert(SettingRow, { key: 'uow.fact', value: 'stored', updatedAt: 'now' });
            await outbox.enqueue('test-report', { passed: true }, { idempotencyKey: 'uow-test:rolled-back' });
            await audit.record('admin', 'uow.test', { n: 1 });
            throw new Refused('the last step failed');
          });
        } catch (e) {
          error = e;
        }
        expect(error).to.be.instanceOf(Refused);
        expect(await store.manager.findOneBy(SettingRow, { key: 'uow.fact' })).to.equal(null);
        expect(await store.manager.count(CentreOutboxRow)).to.equal(outboxBefore);
        expect(await store.manager.countBy(AuditLogRow, { action: 'uow.test' })).to.equal(auditBefore);
        expect(await outbox.find('uow-test:rolled-back')).to.equal(null);
        expect(announced).to.deep.equal([]);

        // The same work that succeeds commits all three, and only then announces the report.
        await store.write(async (em) => {
          await em.insert(SettingRow, { key: 'uow.fact', value: 'stored', updatedAt: 'now' });
          await outbox.enqueue('test-report', { passed: true }, { idempotencyKey: 'uow-test:committed' });
          await audit.record('admin', 'uow.test', { n: 2 });
          expect(announced).to.deep.equal([]);
        });
        expect(await store.manager.findOneBy(SettingRow, { key: 'uow.fact' })).to.not.equal(null);
        expect(await outbox.find('uow-test:committed')).to.not.equal(null);
        expect(await store.manager.countBy(AuditLogRow, { action: 'uow.test' })).to.equal(auditBefore + 1);
        // Announced after the commit (never inside it, checked above); the sender may announce its
        // own delivery attempt right after, which a slower database (PostgreSQL) lets in here.
        expect(announced[0]).to.equal(OUTBOX_LIVE_EVENT);
      } finally {
        off();
      }
    });

    it('a settings change inside a unit of work that rolls back leaves the cached settings as they were', async () => {
      const store = await site.kernel.get(coreServices.store);
      const settings = await site.kernel.get(coreServices.settings);
      const changes: unknown[] = [];
      const off = settings.onChange((v) => changes.push(v));
      try {
        await store
          .write(async () => {
            await settings.update({ siteCode: '11003', mode: 'formal' });
            throw new Refused('rolled back');
          })
          .catch(() => undefined);
        expect(settings.get().mode).to.equal('mock');
        expect((await store.manager.findOneBy(SettingRow, { key: 'mode' }))?.value).to.equal('mock');
        expect(changes).to.deep.equal([]);
      } finally {
        off();
      }
    });
  });
});
