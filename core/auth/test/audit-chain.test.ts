import fs from 'node:fs';
import { expect } from 'chai';
import { createLogger } from '../../logging/logger';
import { AuditChainRow, AuditLogRow } from '../../store/core-entities';
import { Store } from '../../store/store';
import { makeTempDir } from '../../testing/test-server';
import { AuditLog } from '../audit';
import { AUDIT_CHAIN_GENESIS, auditEntryHash, describeChainState } from '../audit-chain';

/** Issue 13 point 6: the audit log is a hash chain; edits and deletions are found and located. */
describe('audit log hash chain (issue 13 point 6, ADR 014)', () => {
  let dir: string;
  let store: Store;
  let audit: AuditLog;

  const open = async (): Promise<void> => {
    store = await Store.open({ dataDir: dir, databaseUrl: '', schema: { entities: [], migrations: [] } });
    audit = new AuditLog(store, createLogger('silent'));
  };
  beforeEach(async () => {
    dir = makeTempDir('audit-chain-');
    await open();
    for (let i = 1; i <= 6; i++) await audit.record(i % 2 ? 'admin' : 'proctor:11003001', `test.event${i}`, { n: i, ...(i === 3 ? { roomCode: '11003002' } : {}) });
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const state = async (): Promise<string> => describeChainState(await audit.verify());

  it('an untouched log is 完整; each entry links to the one before it', async () => {
    expect(await state()).to.equal('完整');
    const rows = await store.manager.find(AuditLogRow, { order: { id: 'ASC' } });
    expect(rows[0]!.prevHash).to.equal(AUDIT_CHAIN_GENESIS);
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.prevHash).to.equal(rows[i - 1]!.hash);
    expect(rows.map((r) => r.room)).to.deep.equal([null, '11003001', '11003002', '11003001', null, '11003001']);
  });

  it('an edited entry is found at its place (第3条起被改动)', async () => {
    await store.manager.query(`UPDATE core_audit_log SET detail = '{"n":99}' WHERE id = 3`);
    expect(await state()).to.equal('第3条起被改动');
  });

  it('an edited entry whose own hash was recomputed is still found (the next link breaks)', async () => {
    const row = (await store.manager.findOneBy(AuditLogRow, { id: 3 }))!;
    const edited = { ...row, actor: 'someone-else' };
    await store.manager.update(AuditLogRow, { id: 3 }, { actor: edited.actor, hash: auditEntryHash(row.prevHash, edited) });
    expect(await state()).to.equal('第3条起被改动');
  });

  it('a deleted entry in the middle is found (第4条起被改动)', async () => {
    await store.manager.query('DELETE FROM core_audit_log WHERE id = 4');
    const s = await audit.verify();
    expect(s.intact).to.equal(false);
    expect(describeChainState(s)).to.equal('第4条起被改动');
  });

  it('deleted newest entries are found through the head (第5条起被删除)', async () => {
    await store.manager.query('DELETE FROM core_audit_log WHERE id >= 5');
    expect(await state()).to.equal('第5条起被删除');
  });

  it('an entry written around the chain (head not moved) is found', async () => {
    const last = (await store.manager.findOneBy(AuditLogRow, { id: 6 }))!;
    const forged = { id: 7, at: new Date().toISOString(), actor: 'admin', action: 'login', room: null, detail: '{}' };
    await store.manager.insert(AuditLogRow, { ...forged, prevHash: last.hash, hash: auditEntryHash(last.hash, forged) });
    expect(await state()).to.equal('第7条起被改动');
  });

  it('retention drops a prefix and records the anchor: the rest still verifies; dropping without the anchor does not', async () => {
    await audit.dropThrough(3);
    expect(await store.manager.count(AuditLogRow)).to.equal(3);
    expect(await state()).to.equal('完整');
    await audit.record('admin', 'after.retention');
    expect(await state()).to.equal('完整');
    await store.manager.query('DELETE FROM core_audit_log WHERE id = 4');
    expect(await state()).to.equal('第4条起被改动');
  });

  it('a rolled-back unit of work leaves no entry and no moved head', async () => {
    const head = await store.manager.findOneBy(AuditChainRow, { name: 'head' });
    await store
      .write(async () => {
        await audit.record('admin', 'rolled.back');
        throw new Error('refused');
      })
      .catch(() => undefined);
    expect(await store.manager.findOneBy(AuditChainRow, { name: 'head' })).to.deep.equal(head);
    await audit.record('admin', 'after.rollback');
    expect(await state()).to.equal('完整');
  });

  it('the migration chains the entries written before it existed', async () => {
    // Back to the schema without the chain, with rows in the old shape; then upgrade.
    await store.dataSource.undoLastMigration({ transaction: 'each' });
    await store.manager.query('DELETE FROM core_audit_log');
    for (let i = 1; i <= 3; i++) {
      await store.manager.query('INSERT INTO core_audit_log (at, actor, action, detail) VALUES (?, ?, ?, ?)', [new Date().toISOString(), 'proctor:11003009', `old.event${i}`, '{}']);
    }
    await store.close();
    await open();
    expect(await state()).to.equal('完整');
    expect((await store.manager.find(AuditLogRow)).map((r) => r.room)).to.deep.equal(['11003009', '11003009', '11003009']);
    await audit.record('admin', 'new.event');
    expect(await state()).to.equal('完整');
    const second = (await store.manager.find(AuditLogRow, { order: { id: 'ASC' } }))[1]!.id;
    await store.manager.query(`UPDATE core_audit_log SET action = 'old.eventX' WHERE id = ${second}`);
    expect(await state()).to.equal(`第${second}条起被改动`);
  });
});
