import { expect } from 'chai';
import fs from 'node:fs';
import { coreServices } from '../../../core/services';
import { makeTempDir } from '../../../core/testing/test-server';
import { waitFor } from '../../../core/testing/wait-for';
import { ProctorClient } from '../../sim/proctor/proctor-client';
import { endSession, sendHeartbeat, startSession, type HeartbeatRequest } from '../../sim/proctor/monitor-calls';
import { SESSION_ENDED_KIND, SESSION_STARTED_KIND } from '../../../plugins/monitor/server/session-reports';
import { startMonitorSite, type MonitorSite } from './monitor-site';
import { proctorRefusal as refused } from '../../sim/proctor/proctor-refusal';

const ROOM1 = '11003001';
const ROOM2 = '11003002';

function beat(roomCode: string, over: Partial<HeartbeatRequest> = {}): HeartbeatRequest {
  return { roomCode, sessionNo: 1, state: 'idle', counts: { candidates: 6, loggedIn: 2, inExam: 0, submitted: 0 }, dataImported: true, ...over };
}


async function reportsOf(site: MonitorSite, kind: string): Promise<number> {
  const outbox = await site.server.kernel.get(coreServices.outbox);
  const pending = (await outbox.pending()).filter((e) => e.kind === kind).length;
  return pending + (await outbox.delivered(kind)).length;
}

describe('考场监控: heartbeats, room state and start/end reports (R6.4, R7, issue 11)', function () {
  this.timeout(60_000);
  let site: MonitorSite;
  let p1: ProctorClient;
  let p2: ProctorClient;

  beforeEach(async () => {
    site = await startMonitorSite();
    p1 = await site.proctor(ROOM1);
    p2 = await site.proctor(ROOM2);
  });
  afterEach(async () => {
    await site.stop();
  });

  it('answers a heartbeat with the site time, the interval and notices; the page shows the counts', async () => {
    const before = Date.now();
    const answer = await sendHeartbeat(p1, beat(ROOM1));
    expect(answer.intervalSeconds).to.equal(5);
    expect(answer.timeSource).to.equal('pc'); // the soft dongle of a test is not calibrated
    expect(Date.parse(answer.serverTime)).to.be.within(before - 1000, Date.now() + 1000);
    expect(answer.notices).to.deep.equal([]);
    const page = await site.overview();
    expect(page.session?.no).to.equal(1);
    const row = page.rows.find((r) => r.roomCode === ROOM1)!;
    expect(row.ip).to.equal('127.0.0.1');
    expect(row.live).to.include({ connection: 'connected', sessionNo: 1, state: 'idle', dataImported: true });
    expect(row.live.counts).to.deep.equal({ candidates: 6, loggedIn: 2, inExam: 0, submitted: 0 });
    expect(page.rows.find((r) => r.roomCode === ROOM2)!.live.connection).to.equal('unknown');
  });

  it("refuses a heartbeat for another room (403, Chinese) and changes nothing", async () => {
    const e = await refused(sendHeartbeat(p1, beat(ROOM2)));
    expect(e.status).to.equal(403);
    expect(e.message).to.equal(`本机注册的是考场 ${ROOM1}，无权访问考场 ${ROOM2} 的数据`);
    const row = (await site.overview()).rows.find((r) => r.roomCode === ROOM2)!;
    expect(row.live.connection).to.equal('unknown');
    expect(row.live.counts).to.equal(null);
    const start = await refused(startSession(p2, ROOM1, 1));
    expect(start.status).to.equal(403);
  });

  it('refuses bad heartbeat bodies with 400 and a Chinese message; the room keeps its state', async () => {
    await sendHeartbeat(p1, beat(ROOM1));
    const cases: [unknown, string][] = [
      [{ ...beat(ROOM1), counts: { candidates: 6, loggedIn: 7, inExam: 0, submitted: 0 } }, '不能超过考生人数'],
      [{ ...beat(ROOM1), counts: { candidates: -1, loggedIn: 0, inExam: 0, submitted: 0 } }, '考生人数不能为负数'],
      [{ ...beat(ROOM1), state: 'running' }, 'state'],
      [{ ...beat(ROOM1), sessionNo: 'one' }, '场次应为数字'],
      [{ ...beat(ROOM1), extra: 1 }, 'extra'],
    ];
    for (const [body, message] of cases) {
      const e = await refused(p1.call('POST', '/monitor/heartbeat', body));
      expect(e.status, JSON.stringify(body)).to.equal(400);
      expect(e.message).to.include(message);
      expect(e.message).to.match(/[\u4e00-\u9fa5]/);
    }
    const row = (await site.overview()).rows.find((r) => r.roomCode === ROOM1)!;
    expect(row.live.counts).to.deep.equal({ candidates: 6, loggedIn: 2, inExam: 0, submitted: 0 });
  });

  it('refuses the very next heartbeat of a revoked credential (401, Chinese), though the one before passed', async () => {
    await sendHeartbeat(p1, beat(ROOM1));
    const revoked = await site.admin.post(`/api/registration/rooms/${ROOM1}/revoke`, {});
    expect(revoked.status, JSON.stringify(revoked.body)).to.equal(200);
    const e = await refused(sendHeartbeat(p1, beat(ROOM1, { counts: { candidates: 6, loggedIn: 5, inExam: 0, submitted: 0 } })));
    expect(e.status).to.equal(401);
    expect(e.code).to.equal('PROCTOR_REVOKED');
    expect(e.message).to.match(/[\u4e00-\u9fa5]/);
    const row = (await site.overview()).rows.find((r) => r.roomCode === ROOM1)!;
    expect(row.live.counts?.loggedIn).to.equal(2);
  });

  it('rooms that start by heartbeat at once (a burst of transitions) queue "all started" exactly once, within a second', async () => {
    const rooms = (await site.overview('?session=1')).rows.map((r) => r.roomCode);
    const clients = await Promise.all(rooms.map((room) => (room === ROOM1 ? p1 : room === ROOM2 ? p2 : site.proctor(room))));
    await Promise.all(rooms.map((room, i) => sendHeartbeat(clients[i]!, beat(room, { state: 'started' }))));
    await waitFor('all started queued', async () => (await reportsOf(site, SESSION_STARTED_KIND)) === 1, 1000, 20);
    // Every room beats again (no transition) and once more after coming back: still once.
    await Promise.all(rooms.map((room, i) => sendHeartbeat(clients[i]!, beat(room, { state: 'started' }))));
    site.beatClock.advance(16_000);
    await waitFor('disconnected', async () => (await site.overview('?session=1')).rows.every((r) => r.live.connection === 'disconnected'), 3000, 50);
    await Promise.all(rooms.map((room, i) => sendHeartbeat(clients[i]!, beat(room, { state: 'started' }))));
    await new Promise((r) => setTimeout(r, 200));
    expect(await reportsOf(site, SESSION_STARTED_KIND)).to.equal(1);
  });

  it('shows a room late, then disconnected after 3 missed beats, then connected again (manual clock)', async () => {
    await sendHeartbeat(p1, beat(ROOM1));
    const connectionOf = async (): Promise<string> => (await site.overview()).rows.find((r) => r.roomCode === ROOM1)!.live.connection;
    site.beatClock.advance(8_000); // 1.5 × 5 s exceeded
    await waitFor('late', async () => (await connectionOf()) === 'late', 3000, 50);
    site.beatClock.advance(7_001); // 3 × 5 s exceeded
    await waitFor('disconnected', async () => (await connectionOf()) === 'disconnected', 3000, 50);
    await sendHeartbeat(p1, beat(ROOM1));
    expect(await connectionOf()).to.equal('connected');
  });

  it('start and end are idempotent; "all started" and "all ended" are queued exactly once, also across a restart', async () => {
    // This test keeps its data folder to restart on it.
    await site.stop();
    const dataDir = makeTempDir();
    site = await startMonitorSite({ dataDir });
    try {
      const rooms = (await site.overview('?session=1')).rows.map((r) => r.roomCode);
      const clients = new Map<string, ProctorClient>();
      for (const room of rooms) clients.set(room, await site.proctor(room));
      const first = clients.get(rooms[0]!)!;
      const e = await refused(endSession(first, rooms[0]!, 1));
      expect(e.status).to.equal(409);
      expect(e.message).to.contain('尚未开考');

      for (const [i, room] of rooms.entries()) {
        expect((await startSession(clients.get(room)!, room, 1)).changed).to.equal(true);
        expect((await startSession(clients.get(room)!, room, 1)).changed).to.equal(false);
        expect(await reportsOf(site, SESSION_STARTED_KIND), `after ${i + 1} of ${rooms.length}`).to.equal(i === rooms.length - 1 ? 1 : 0);
      }
      for (const room of rooms) await endSession(clients.get(room)!, room, 1);
      expect(await reportsOf(site, SESSION_ENDED_KIND)).to.equal(1);

      // Restart on the same data: the rooms come back from the snapshot as unknown.
      await site.stop();
      site = await startMonitorSite({ dataDir, importPackage: false });
      const page = await site.overview('?session=1');
      for (const row of page.rows) expect(row.live).to.include({ connection: 'unknown', state: 'ended', sessionNo: 1 });
      // The proctor PC keeps its credential across the site's restart (re-registering a held
      // room without it is refused since the hardening of 考场注册).
      const again = new ProctorClient(site.server.url, clients.get(rooms[0]!)!.credentials);
      expect((await endSession(again, rooms[0]!, 1)).changed).to.equal(false);
      await sendHeartbeat(again, beat(rooms[0]!, { state: 'ended' }));
      await waitFor('beat seen', async () => (await site.overview('?session=1')).rows[0]!.live.connection === 'connected', 3000, 50);
      // The same facts seen again after the restart queue nothing new.
      expect(await reportsOf(site, SESSION_STARTED_KIND)).to.equal(1);
      expect(await reportsOf(site, SESSION_ENDED_KIND)).to.equal(1);
    } finally {
      await site.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
      site = await startMonitorSite();
    }
  });
});
