import type { ErrorBody } from '../../../core/http/errors';
import { LOAD_STEP } from '../../../plugins/load/api/contract';
import { expect } from 'chai';
import { coreServices } from '../../../core/services';
import { acknowledgeNotice, reportIncident, sendHeartbeat } from '../../sim/proctor/monitor-calls';
import type { Notice } from '../../../plugins/monitor/api/contract';
import type { SealPanel } from '../../../plugins/seal/api';
import { startMonitorSite, type MonitorSite } from './monitor-site';

const ROOM1 = '11003001';
const TABLES = ['monitor_room_snapshot', 'monitor_incident', 'monitor_notice', 'monitor_notice_ack', 'seal_run'];

/** 系统初始化 (issue 11 point 5): the monitor's and the seal's data go with the rest. */
describe('考场监控 and 封场检测 data are cleared by 系统初始化 (data participants)', function () {
  this.timeout(60_000);
  let site: MonitorSite;
  before(async () => {
    site = await startMonitorSite();
  });
  after(async () => site.stop());

  it('clears snapshots, incidents, notices, acknowledgements and seal runs, in the tables and in memory', async () => {
    const p1 = await site.proctor(ROOM1);
    await sendHeartbeat(p1, { roomCode: ROOM1, sessionNo: 1, state: 'idle', counts: { candidates: 6, loggedIn: 1, inExam: 0, submitted: 0 }, dataImported: true });
    await reportIncident(p1, { roomCode: ROOM1, kind: '其他', note: '初始化前的事件' });
    const notice = await site.admin.post<Notice>('/api/monitor/notices', { roomCode: null, text: '开考延迟10分钟' });
    expect(notice.status).to.equal(200);
    await acknowledgeNotice(p1, ROOM1, notice.body.id);
    await site.admin.post('/api/seal/run', {});
    const flush = (await site.server.kernel.get(coreServices.store)).manager;
    await new Promise((r) => setTimeout(r, 100)); // the transition batch is written
    const counts = async (): Promise<number[]> =>
      Promise.all(TABLES.map(async (t) => Number(((await flush.query(`SELECT COUNT(*) AS n FROM ${t}`)) as { n: number }[])[0]!.n)));
    expect((await counts()).every((n) => n > 0), `before: ${(await counts()).join(',')}`).to.equal(true);

    const participants = await site.server.kernel.get(coreServices.dataParticipants);
    await participants.clearAll('admin', { only: (owner) => owner === 'monitor' || owner === 'seal' });

    expect(await counts()).to.deep.equal(TABLES.map(() => 0));
    const page = await site.overview();
    expect(page.incidents).to.deep.equal([]);
    expect(page.notices).to.deep.equal([]);
    expect(page.rows.find((r) => r.roomCode === ROOM1)!.live.connection).to.equal('unknown');
    expect((await site.admin.get<SealPanel>('/api/seal')).body.lastRun).to.equal(null);
    // No rooms left: a notice is refused with the step to do first (issue 10 point 8).
    await participants.clearAll('admin', { only: (owner) => owner === 'load' });
    const refused = await site.admin.post<ErrorBody>('/api/monitor/notices', { roomCode: null, text: '开考延迟10分钟' });
    expect(refused.status).to.equal(400);
    expect(refused.body.error).to.deep.include({ code: 'NO_ROOMS', message: '尚未载入考场数据，没有可以接收通知的考场；请先完成第 1 步“导入考务”', goTo: LOAD_STEP });
  });
});
