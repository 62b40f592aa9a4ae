import { expect } from 'chai';
import fs from 'node:fs';
import { coreServices } from '../../../core/services';
import type { LiveEvent } from '../../../core/events/live-events';
import { makeTempDir } from '../../../core/testing/test-server';
import { waitFor } from '../../../core/testing/wait-for';
import { ProctorClient } from '../../sim/proctor/proctor-client';
import { acknowledgeNotice, reportIncident, sendHeartbeat, type HeartbeatRequest } from '../../sim/proctor/monitor-calls';
import { proctorRefusal as refused } from '../../sim/proctor/proctor-refusal';
import { incidentTopic, noticeTopic, roomLiveTopic, type Incident, type Notice, type RoomLive } from '../../../plugins/monitor/api/contract';
import { ROOM_STATUS_KIND } from '../../../plugins/monitor/server/session-reports';
import { startMonitorSite, type MonitorSite } from './monitor-site';

const ROOM1 = '11003001';
const ROOM2 = '11003002';
const ROOM3 = '11003003';

function beat(roomCode: string, over: Partial<HeartbeatRequest> = {}): HeartbeatRequest {
  return { roomCode, sessionNo: 1, state: 'started', counts: { candidates: 6, loggedIn: 6, inExam: 6, submitted: 0 }, dataImported: true, ...over };
}

/** Everything the site publishes on the monitor topics, as an open 考场监控 page receives it. */
async function watch(site: MonitorSite): Promise<{ events: LiveEvent[]; stop: () => void }> {
  const live = await site.server.kernel.get(coreServices.liveEvents);
  const events: LiveEvent[] = [];
  const stop = live.subscribe((e) => events.push(e), new Set([roomLiveTopic.id, incidentTopic.id, noticeTopic.id]));
  return { events, stop };
}

async function auditActions(site: MonitorSite): Promise<{ action: string; detail: string }[]> {
  const audit = await site.server.kernel.get(coreServices.audit);
  return (await audit.recent(200)).map((r) => ({ action: r.action, detail: r.detail }));
}

describe('考场监控: incidents and notices (issue 11 point 7)', function () {
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

  it('an incident is shown live with a badge, kept in the audit log and carried by the room status report; it survives a restart', async () => {
    await site.stop();
    const dataDir = makeTempDir();
    try {
      site = await startMonitorSite({ dataDir, monitor: { statusReportSeconds: 1 } });
      p1 = await site.proctor(ROOM1);
      await sendHeartbeat(p1, beat(ROOM1));
      const page = await watch(site);
      const incident = await reportIncident(p1, { roomCode: ROOM1, kind: '考生机故障', note: '12 号机蓝屏，已换到 31 号机', ticketNo: '110030010012', sessionNo: 1 });
      expect(incident).to.include({ roomCode: ROOM1, kind: '考生机故障', ticketNo: '110030010012', sessionNo: 1 });
      // Live: the incident itself at once, and the room's badge count within the coalescing window.
      const shown = page.events.find((e) => e.type === incidentTopic.id)?.data as Incident | undefined;
      expect(shown?.id).to.equal(incident.id);
      await waitFor('badge', () => page.events.some((e) => e.type === roomLiveTopic.id && (e.data as RoomLive).roomCode === ROOM1 && (e.data as RoomLive).incidents === 1), 2000, 20);
      page.stop();

      const overview = await site.overview();
      expect(overview.incidents.map((i) => i.id)).to.deep.equal([incident.id]);
      expect(overview.rows.find((r) => r.roomCode === ROOM1)!.live.incidents).to.equal(1);
      expect(overview.rows.find((r) => r.roomCode === ROOM2)!.live.incidents).to.equal(0);
      const logged = (await auditActions(site)).find((a) => a.action === 'monitor.incident');
      expect(JSON.parse(logged!.detail)).to.include({ roomCode: ROOM1, kind: '考生机故障', id: incident.id });

      // The next room status report carries it.
      const outbox = await site.server.kernel.get(coreServices.outbox);
      type StatusPayload = { rooms: { roomCode: string; incidents: { id: number; kind: string; note: string }[] }[] };
      const carried = async (): Promise<boolean> => {
        const entries = [...(await outbox.pending()), ...(await outbox.delivered(ROOM_STATUS_KIND))].filter((e) => e.kind === ROOM_STATUS_KIND);
        return entries.some((e) => (e.payload as StatusPayload).rooms.some((r) => r.roomCode === ROOM1 && r.incidents.some((i) => i.id === incident.id && i.note === incident.note)));
      };
      await waitFor('room status report with the incident', carried, 5000, 100);

      // Restart on the same data: the incident and the badge are still there.
      await site.stop();
      site = await startMonitorSite({ dataDir, importPackage: false });
      const after = await site.overview();
      expect(after.incidents).to.deep.equal(overview.incidents);
      expect(after.rows.find((r) => r.roomCode === ROOM1)!.live.incidents).to.equal(1);
    } finally {
      await site.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
      site = await startMonitorSite();
    }
  });

  it('a notice to every room arrives with the next heartbeat, is acknowledged once, and the page shows who has not', async () => {
    const page = await watch(site);
    const sent = await site.admin.post<Notice>('/api/monitor/notices', { roomCode: null, text: '开考延迟10分钟' });
    expect(sent.status, JSON.stringify(sent.body)).to.equal(200);
    const notice = sent.body;
    expect(notice.pendingRooms).to.deep.equal([ROOM1, ROOM2, ROOM3]);
    await waitFor('notice shown live', () => page.events.some((e) => e.type === noticeTopic.id && (e.data as Notice).id === notice.id), 2000, 20);

    const answer = await sendHeartbeat(p1, beat(ROOM1));
    expect(answer.notices).to.deep.equal([{ id: notice.id, text: '开考延迟10分钟', sentAt: notice.sentAt }]);
    const ack = await acknowledgeNotice(p1, ROOM1, notice.id);
    expect(ack).to.include({ noticeId: notice.id, changed: true });
    const again = await acknowledgeNotice(p1, ROOM1, notice.id);
    expect(again).to.deep.equal({ ...ack, changed: false });
    expect((await sendHeartbeat(p1, beat(ROOM1))).notices).to.deep.equal([]);
    expect((await sendHeartbeat(p2, beat(ROOM2))).notices.map((n) => n.id)).to.deep.equal([notice.id]);

    const overview = await site.overview();
    expect(overview.notices.find((n) => n.id === notice.id)!.pendingRooms).to.deep.equal([ROOM2, ROOM3]);
    expect(overview.rows.find((r) => r.roomCode === ROOM1)!.live.unacknowledgedNotices).to.equal(0);
    expect(overview.rows.find((r) => r.roomCode === ROOM2)!.live.unacknowledgedNotices).to.equal(1);
    await waitFor('ack shown live', () => page.events.some((e) => e.type === noticeTopic.id && (e.data as Notice).pendingRooms.length === 2), 2000, 20);
    page.stop();
    const actions = (await auditActions(site)).map((a) => a.action);
    expect(actions).to.include.members(['monitor.notice.sent', 'monitor.notice.acknowledged']);

    // A notice to one room reaches that room only.
    const one = await site.admin.post<Notice>('/api/monitor/notices', { roomCode: ROOM2, text: '请检查 5 号考生机' });
    expect(one.body.pendingRooms).to.deep.equal([ROOM2]);
    expect((await sendHeartbeat(p1, beat(ROOM1))).notices).to.deep.equal([]);
    expect((await sendHeartbeat(p2, beat(ROOM2))).notices.map((n) => n.id)).to.deep.equal([notice.id, one.body.id]);
    const notMine = await refused(acknowledgeNotice(p1, ROOM1, one.body.id));
    expect(notMine.status).to.equal(404);
    expect(notMine.message).to.contain(`考场 ${ROOM1} 没有编号为 ${one.body.id} 的通知`);
  });

  it("refuses an incident or an acknowledgement for another room (403) and changes nothing", async () => {
    const sent = await site.admin.post<Notice>('/api/monitor/notices', { roomCode: null, text: '开考延迟10分钟' });
    const e = await refused(reportIncident(p1, { roomCode: ROOM2, kind: '违纪', note: '夹带' }));
    expect(e.status).to.equal(403);
    expect(e.message).to.equal(`本机注册的是考场 ${ROOM1}，无权访问考场 ${ROOM2} 的数据`);
    const ack = await refused(acknowledgeNotice(p1, ROOM2, sent.body.id));
    expect(ack.status).to.equal(403);
    const overview = await site.overview();
    expect(overview.incidents).to.deep.equal([]);
    expect(overview.notices[0]!.pendingRooms).to.deep.equal([ROOM1, ROOM2, ROOM3]);
    expect((await auditActions(site)).map((a) => a.action)).to.not.include.members(['monitor.incident', 'monitor.notice.acknowledged']);
  });

  it('refuses bad incident and notice bodies with 400 and a Chinese message; nothing is kept or sent', async () => {
    const good = { roomCode: ROOM1, kind: '换机', note: '3 号机换到 31 号机' };
    const incidentCases: [unknown, string][] = [
      [{ ...good, kind: '停电' }, '事件类型应为 考生机故障、换机、违纪 或 其他'],
      [{ ...good, note: '   ' }, '请填写事件说明'],
      [{ ...good, note: '长'.repeat(501) }, '不能超过 500 个字'],
      [{ ...good, ticketNo: '12 34' }, '准考证号应为 4–32 位数字或字母'],
      [{ ...good, sessionNo: 0 }, '场次从 1 开始'],
      [{ ...good, extra: true }, 'extra'],
      [{ kind: '其他', note: 'x' }, '请填写考场代码'],
    ];
    for (const [body, message] of incidentCases) {
      const e = await refused(p1.call('POST', '/monitor/incidents', body));
      expect(e.status, JSON.stringify(body)).to.equal(400);
      expect(e.message, JSON.stringify(body)).to.include(message);
      expect(e.message).to.match(/[\u4e00-\u9fa5]/);
    }
    const badAck = await refused(p1.call('POST', '/monitor/notices/abc/ack', { roomCode: ROOM1 }));
    expect(badAck.status).to.equal(400);
    expect(badAck.message).to.contain('通知编号应为从 1 开始的整数');

    const noticeCases: [unknown, string][] = [
      [{ roomCode: null, text: '' }, '请填写通知内容'],
      [{ roomCode: null, text: '字'.repeat(201) }, '不能超过 200 个字'],
      [{ roomCode: '110', text: '开考延迟10分钟' }, '考场代码必须是 8 位数字'],
      [{ roomCode: '11009999', text: '开考延迟10分钟' }, '没有考场 11009999'],
      [{ text: '开考延迟10分钟' }, '考场代码应为文字'],
    ];
    for (const [body, message] of noticeCases) {
      const r = await site.admin.post<{ error: { message: string } }>('/api/monitor/notices', body);
      expect(r.status, JSON.stringify(body)).to.equal(400);
      expect(r.body.error.message, JSON.stringify(body)).to.include(message);
    }
    const overview = await site.overview();
    expect(overview.incidents).to.deep.equal([]);
    expect(overview.notices).to.deep.equal([]);
    expect((await sendHeartbeat(p2, beat(ROOM2))).notices).to.deep.equal([]);
    expect((await auditActions(site)).map((a) => a.action)).to.not.include.members(['monitor.incident', 'monitor.notice.sent']);
  });
});
