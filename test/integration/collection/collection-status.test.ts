// R8.4 (issue 12 point 6): when every session of every room is collected, the collection
// status goes to the centre through the outbox — once, in the unit of work that stored the
// last package, and not before.
import { expect } from 'chai';
import fs from 'node:fs';
import { coreServices } from '../../../core/services';
import type { OutboxEntry } from '../../../core/centre/outbox';
import { COLLECTION_STATUS_KIND } from '../../../plugins/collection/server/collection-progress';
import { CollectedResultRow } from '../../../plugins/collection/server/result-rows';
import { startCollectionSite, type CollectionSite } from './collection-harness';

describe('collection status to the centre when all is collected (R8.4)', function () {
  this.timeout(60_000);
  let c: CollectionSite;
  before(async () => {
    c = await startCollectionSite();
  });
  after(() => c.stop());

  async function statusReports(): Promise<OutboxEntry[]> {
    const outbox = await c.site.server.kernel.get(coreServices.outbox);
    return [...(await outbox.pending()).filter((e) => e.kind === COLLECTION_STATUS_KIND), ...(await outbox.delivered(COLLECTION_STATUS_KIND))];
  }
  const importFile = (file: string) => c.site.admin.post<{ duplicate: boolean }>('/api/collection/import?name=r.zip', fs.readFileSync(file), { 'content-type': 'application/zip' });

  it('queues exactly one status report when the last expected package is collected, none before, none for duplicates or conflicts', async () => {
    const rooms = [...(await c.site.codes()).keys()];
    const todo: { file: string; roomCode: string; sessionNo: number }[] = [];
    const proctors = new Map<string, Awaited<ReturnType<CollectionSite['proctor']>>>();
    for (const roomCode of rooms) {
      const proctor = await c.proctor(roomCode);
      proctors.set(roomCode, proctor);
      for (const s of (await proctor.room()).sessions) todo.push({ ...(await c.writePackage(proctor, s.no)), roomCode, sessionNo: s.no });
    }
    expect(todo.length, 'several rooms and sessions').to.be.greaterThan(2);
    const last = todo.pop()!;
    for (const p of todo) {
      const r = await importFile(p.file);
      expect(r.status, JSON.stringify(r.body)).to.equal(200);
      expect(await statusReports(), `after ${p.roomCode}/${p.sessionNo}`).to.deep.equal([]);
    }
    const table = await c.site.admin.get<{ expectedPackages: number; collectedPackages: number }>('/api/collection/table');
    expect(table.body.collectedPackages).to.equal(table.body.expectedPackages - 1);

    const lastAnswer = await importFile(last.file);
    expect(lastAnswer.status, JSON.stringify(lastAnswer.body)).to.equal(200);
    const reports = await statusReports();
    expect(reports).to.have.length(1);
    const payload = reports[0]!.payload as { siteCode: string; mode: string; sessions: { sessionNo: number; rooms: number; collected: number }[] };
    expect(payload).to.include({ siteCode: '11003', mode: 'mock' });
    const perSession = new Map<number, number>();
    for (const p of [...todo, last]) perSession.set(p.sessionNo, (perSession.get(p.sessionNo) ?? 0) + 1);
    expect(payload.sessions).to.deep.equal([...perSession].sort((a, b) => a[0] - b[0]).map(([sessionNo, n]) => ({ sessionNo, rooms: n, collected: n })));
    expect(await c.site.server.store.manager.count(CollectedResultRow)).to.equal(todo.length + 1);

    // The same package again, and a different one for a collected room: still one report.
    expect((await importFile(last.file)).body.duplicate).to.equal(true);
    const other = await c.writePackage(proctors.get(last.roomCode)!, last.sessionNo);
    expect((await importFile(other.file)).status).to.equal(409);
    expect(await statusReports()).to.have.length(1);
  });
});
