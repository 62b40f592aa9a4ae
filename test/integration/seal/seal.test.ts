import { expect } from 'chai';
import { sendHeartbeat } from '../../sim/proctor/monitor-calls';
import { startMonitorSite, type MonitorSite } from '../monitor/monitor-site';
import type { SealRunView } from '../../../plugins/seal/api';
import { REGISTRATION_STEP } from '../../../plugins/registration/api/contract';

const ROOMS = ['11003001', '11003002', '11003003'];

function item(run: SealRunView, id: string): SealRunView['items'][number] {
  const found = run.items.find((i) => i.id === id);
  if (!found) throw new Error(`no item ${id} in ${run.items.map((i) => i.id).join(', ')}`);
  return found;
}

async function runSeal(site: MonitorSite): Promise<SealRunView> {
  const r = await site.admin.post<SealRunView>('/api/seal/run', {});
  if (r.status !== 200) throw new Error(`seal run: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

describe('封场检测: the checklist contributed by the owners of each fact (R5.1, R5.3, issue 11 point 1)', function () {
  this.timeout(60_000);
  let site: MonitorSite;

  beforeEach(async () => {
    site = await startMonitorSite();
  });
  afterEach(async () => {
    await site.stop();
  });

  it('lists every contributed item with a Chinese reason, what to do and where; stores the run', async () => {
    const run = await runSeal(site);
    expect(run.passed).to.equal(false);
    expect(run.items.map((i) => i.id)).to.have.members([
      'core.dongle-present',
      'load.data-verified',
      'registration.all-registered',
      'authorization.all-authorized',
      'authorization.clock-calibrated',
      'monitor.proctors-online',
      'core.free-disk',
      'core.password-changed',
    ]);
    // The order: smaller `order` first.
    expect(run.items[0]!.id).to.equal('core.dongle-present');
    expect(item(run, 'core.dongle-present')).to.include({ passed: true });
    expect(item(run, 'core.password-changed')).to.include({ passed: true, reason: '模拟考试不要求修改默认密码' });
    expect(item(run, 'core.free-disk').passed).to.equal(true);
    expect(item(run, 'load.data-verified')).to.include({ passed: false, fixAt: '#/before/1' });
    expect(item(run, 'load.data-verified').reason).to.contain('尚未通过校验');
    expect(item(run, 'registration.all-registered')).to.include({ passed: false, reason: `3 个考场未注册：${ROOMS.join('、')}`, fix: '请在各考场监考机上完成考场注册' });
    expect(item(run, 'authorization.all-authorized')).to.include({ passed: false, fix: '请在“3 考试授权”中下载或导入考试授权' });
    expect(item(run, 'authorization.clock-calibrated')).to.include({ passed: false, fixAt: '#/before/5' });
    expect(item(run, 'monitor.proctors-online')).to.include({ passed: false, reason: '还没有已注册的监考机', fix: '请先完成第 2 步“考场注册”' });
    // "请先…" another step: a typed goTo with its 前往 button (issue 10 point 8); the others have none.
    expect(item(run, 'monitor.proctors-online').goTo).to.deep.equal(REGISTRATION_STEP);
    expect(item(run, 'registration.all-registered').goTo).to.equal(null);
    expect(run.report, 'a failing run is not reported').to.equal(null);

    const panel = await site.admin.get<{ lastRun: SealRunView }>('/api/seal');
    expect(panel.body.lastRun).to.deep.equal(run);
  });

  it('registered and online rooms pass their items; the registration table shows each room (R5.3)', async () => {
    const p1 = await site.proctor(ROOMS[0]!);
    await site.proctor(ROOMS[1]!);
    await sendHeartbeat(p1, { roomCode: ROOMS[0]!, sessionNo: 1, state: 'idle', counts: { candidates: 6, loggedIn: 0, inExam: 0, submitted: 0 }, dataImported: true });
    const run = await runSeal(site);
    expect(item(run, 'registration.all-registered')).to.include({ passed: false, reason: `1 个考场未注册：${ROOMS[2]}` });
    expect(item(run, 'monitor.proctors-online')).to.include({ passed: false, reason: `1 台监考机不在线：${ROOMS[1]}` });
    const rooms = Object.fromEntries(run.rooms.map((r) => [r.roomCode, r]));
    expect(rooms[ROOMS[0]!]).to.deep.equal({ roomCode: ROOMS[0], passed: true, reason: null });
    expect(rooms[ROOMS[1]!]).to.deep.equal({ roomCode: ROOMS[1], passed: false, reason: '监考机不在线' });
    expect(rooms[ROOMS[2]!]).to.deep.equal({ roomCode: ROOMS[2], passed: false, reason: '考场未注册' });

    const table = await site.admin.get<{ rooms: { roomCode: string; sealCheck: { passed: boolean; checkedAt: string; reason?: string } | null }[] }>('/api/registration/rooms');
    const column = Object.fromEntries(table.body.rooms.map((r) => [r.roomCode, r.sealCheck]));
    expect(column[ROOMS[0]!]).to.deep.equal({ passed: true, checkedAt: run.ranAt });
    expect(column[ROOMS[1]!]).to.deep.equal({ passed: false, checkedAt: run.ranAt, reason: '监考机不在线' });
    expect(column[ROOMS[2]!]).to.deep.equal({ passed: false, checkedAt: run.ranAt, reason: '考场未注册' });
  });
});
