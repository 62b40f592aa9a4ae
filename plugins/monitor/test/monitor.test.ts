import { expect } from 'chai';
import { ManualMonotonicClock } from '../../../core/testing/manual-clock';
import { startedForEachTest } from '../../../core/testing/started-fixture';
import { fakeService, startTestKernel, type TestKernel } from '../../../core/testing/test-kernel';
import { waitFor } from '../../../core/testing/wait-for';
import { authorizationDirectoryRef, type AuthorizationDirectory, type SessionAuthorizationStatus } from '../../authorization/api';
import { examDataServiceRef } from '../../load/api';
import { FakeProctors } from '../../registration/test/fake-proctors';
import { FakeExamData, FIRST_RELEASE } from '../../registration/test/registration-kernel';
import type { MonitorOverview } from '../api/contract';
import { createMonitorPlugin } from '../server/plugin';

const [ROOM1, ROOM2] = ['11003001', '11003002'];
const COUNTS = { candidates: 6, loggedIn: 5, inExam: 5, submitted: 0 };

/** 考试授权 as monitor reads it: session 1 authorized and verified, the others not. */
function fakeAuthorizations(examData: FakeExamData): AuthorizationDirectory {
  const list = async (): Promise<SessionAuthorizationStatus[]> =>
    (await examData.sessions()).map((s) => ({
      sessionNo: s.no, name: s.name, startsAt: s.startsAt, durationMinutes: s.durationMinutes, authorized: s.no === 1, authorizedAt: null, authorizationSource: null,
      version: null, verified: s.no === 1, verifiedAt: null, verificationSource: null, verificationOpensAt: s.startsAt, endsAt: s.startsAt, note: null,
    }));
  return { list, of: async (no) => (await list()).find((s) => s.sessionNo === no) ?? null, onChanged: () => () => undefined };
}

describe('考场监控 alone: heartbeats, connection by heartbeat age, notices (R7.1, R7.2)', () => {
  let k: TestKernel;
  let proctors: FakeProctors;
  const clock = new ManualMonotonicClock();
  startedForEachTest(
    async () => {
      const examData = new FakeExamData();
      examData.publish(FIRST_RELEASE);
      proctors = new FakeProctors();
      proctors.register(ROOM1, '192.168.10.57');
      proctors.register(ROOM2, '192.168.10.58');
      return startTestKernel({
        plugins: [createMonitorPlugin({ monotonic: clock.now }), proctors.plugin],
        fakes: [fakeService(examDataServiceRef, examData), fakeService(authorizationDirectoryRef, fakeAuthorizations(examData))],
      });
    },
    (v) => {
      k = v;
    },
  );

  /** A proctor PC's request (JSON) with its room's credential. */
  async function proctor<T>(roomCode: string, path: string, body: unknown, credential = proctors.headers(roomCode)): Promise<{ status: number; body: T }> {
    const r = await k.http.fetchFrom('192.168.10.57')(`http://127.0.0.1/api/proctor/v1${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...credential }, body: JSON.stringify(body) });
    return { status: r.status, body: (await r.json()) as T };
  }
  const heartbeat = (roomCode: string, body: object = {}) => proctor<{ intervalSeconds: number; notices: { id: number; text: string }[] }>(roomCode, '/monitor/heartbeat', { roomCode, sessionNo: 1, state: 'started', counts: COUNTS, dataImported: true, ...body });
  const overview = async (): Promise<MonitorOverview> => (await k.admin.get<MonitorOverview>('/api/monitor/rooms?session=1')).body;
  const row = (o: MonitorOverview, roomCode: string) => o.rows.find((r) => r.roomCode === roomCode)!;

  it('a heartbeat shows its room connected with its counts; missed beats turn it disconnected', async () => {
    const beat = await heartbeat(ROOM1);
    expect(beat.status, JSON.stringify(beat.body)).to.equal(200);
    expect(beat.body).to.include({ intervalSeconds: 5 });
    let o = await overview();
    expect(o.rows.map((r) => r.roomCode)).to.deep.equal(['11003001', '11003002', '11003003']);
    expect(row(o, ROOM1)).to.deep.include({ ip: '192.168.10.57', authorized: true, verified: true, plannedCandidates: 6 });
    expect(row(o, ROOM1).live).to.deep.include({ connection: 'connected', sessionNo: 1, state: 'started', counts: COUNTS, dataImported: true });
    expect(row(o, ROOM2).live.connection, 'never beat').to.equal('unknown');
    clock.advance(16_000);
    await waitFor('room 1 disconnected after three missed beats', async () => (row(await overview(), ROOM1).live.connection === 'disconnected' ? true : null));
    expect((await heartbeat(ROOM1)).status).to.equal(200);
    o = await overview();
    expect(row(o, ROOM1).live.connection).to.equal('connected');
  });

  it('a proctor speaks for its own room only, and only with a credential', async () => {
    const other = await proctor<{ error: { code: string } }>(ROOM1, '/monitor/heartbeat', { roomCode: ROOM2, sessionNo: 1, state: 'idle', counts: COUNTS, dataImported: false });
    expect(other.status).to.equal(403);
    expect(other.body.error.code).to.equal('PROCTOR_OTHER_ROOM');
    const anonymous = await proctor<{ error: { code: string } }>(ROOM1, '/monitor/heartbeat', { roomCode: ROOM1, sessionNo: 1, state: 'idle', counts: COUNTS, dataImported: false }, {});
    expect(anonymous.status).to.equal(401);
    expect(row(await overview(), ROOM2).live.connection).to.equal('unknown');
  });

  it('a notice to one room reaches it in the next heartbeat answer until acknowledged', async () => {
    const sent = await k.admin.post<{ id: number }>('/api/monitor/notices', { roomCode: ROOM1, text: '开考延迟10分钟' });
    expect(sent.status, JSON.stringify(sent.body)).to.equal(200);
    expect((await heartbeat(ROOM2)).body.notices).to.deep.equal([]);
    const first = await heartbeat(ROOM1);
    expect(first.body.notices.map((n) => n.text)).to.deep.equal(['开考延迟10分钟']);
    expect(row(await overview(), ROOM1).live.unacknowledgedNotices).to.equal(1);
    expect((await proctor(ROOM1, `/monitor/notices/${sent.body.id}/ack`, { roomCode: ROOM1 })).status).to.equal(200);
    expect((await heartbeat(ROOM1)).body.notices).to.deep.equal([]);
    expect(row(await overview(), ROOM1).live.unacknowledgedNotices).to.equal(0);
    const unknown = await k.admin.post<{ error: { code: string } }>('/api/monitor/notices', { roomCode: '11009999', text: '通知' });
    expect(unknown.status).to.equal(400);
    expect(unknown.body.error.code).to.equal('ROOM_UNKNOWN');
  });
});
