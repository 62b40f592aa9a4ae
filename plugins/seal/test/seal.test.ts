import { expect } from 'chai';
import { definePlugin } from '../../../core/kernel/plugin';
import { FakeCentreClient } from '../../../core/testing/fake-centre';
import { startedForEachTest } from '../../../core/testing/started-fixture';
import { startTestKernel, type TestKernel } from '../../../core/testing/test-kernel';
import { waitFor } from '../../../core/testing/wait-for';
import { sealChecksPoint, type SealCheckOutcome, type SealRunView } from '../api';
import { plugin } from '../server/plugin';

/** What the contributed checks answer next; a test sets it before POST /api/seal/run. */
const answers: { rooms: SealCheckOutcome; broken: boolean } = { rooms: { passed: true, reason: '' }, broken: false };

/** Stands in for the plugins that own per-room facts (registration, monitor): two checks through the point. */
const contributions = definePlugin({
  manifest: { id: 'seal-test-checks', version: '1.0.0', host: '*', displayName: '封场检测测试项目' },
  register(env) {
    env.extendWith(sealChecksPoint, { deps: {}, factory: () => ({ id: 'test.rooms', title: '考场项目', order: 1, fixAt: '#/before/2', run: async () => answers.rooms }) });
    env.extendWith(sealChecksPoint, {
      deps: {},
      factory: () => ({
        id: 'test.breaks',
        title: '会出错的项目',
        order: 2,
        run: async () => {
          if (answers.broken) throw new Error('读不到状态');
          return { passed: true, reason: '正常', rooms: { '11003002': { passed: false, reason: '监考机不在线' } } };
        },
      }),
    });
  },
});

async function runSeal(k: TestKernel): Promise<SealRunView> {
  const r = await k.admin.post<SealRunView>('/api/seal/run', {});
  expect(r.status, JSON.stringify(r.body)).to.equal(200);
  return r.body;
}

describe('封场检测 alone: the contributed checklist, stored runs and the report (R5.1–R5.3)', () => {
  let k: TestKernel;
  const centre = new FakeCentreClient();
  startedForEachTest(
    () => startTestKernel({ plugins: [plugin, contributions], centre }),
    (v) => {
      k = v;
    },
  );
  beforeEach(() => {
    answers.rooms = { passed: true, reason: '' };
    answers.broken = false;
  });

  it('a failing item keeps its reason, fix and place; a check that throws fails with 检测出错; rooms merge their reasons; nothing is reported', async () => {
    answers.rooms = { passed: false, reason: '1 个考场未注册', fix: '请完成考场注册', rooms: { '11003001': { passed: true }, '11003002': { passed: false, reason: '考场未注册' } } };
    answers.broken = true;
    const run = await runSeal(k);
    expect(run.passed).to.equal(false);
    expect(run.items.map((i) => i.id).slice(0, 2), 'smaller order first').to.deep.equal(['test.rooms', 'test.breaks']);
    expect(run.items.map((i) => i.id)).to.include.members(['core.dongle-present', 'core.free-disk', 'core.password-changed']);
    expect(run.items[0]).to.deep.equal({ id: 'test.rooms', title: '考场项目', passed: false, reason: '1 个考场未注册', fix: '请完成考场注册', fixAt: '#/before/2', goTo: null });
    expect(run.items[1]).to.include({ id: 'test.breaks', passed: false, reason: '检测出错：读不到状态', fix: '请稍后重新检测；如仍出错请查看日志' });
    expect(run.rooms).to.deep.equal([
      { roomCode: '11003001', passed: true, reason: null },
      { roomCode: '11003002', passed: false, reason: '考场未注册' },
    ]);
    expect(run.report).to.equal(null);
    expect((await k.admin.get<{ lastRun: SealRunView }>('/api/seal')).body.lastRun).to.deep.equal(run);
  });

  it('a passing run of a site with its code is reported once to the centre; each room failing in two items gets both reasons', async () => {
    expect((await k.admin.put('/api/settings', { siteCode: '11003', mode: 'mock' })).status).to.equal(200);
    answers.rooms = { passed: true, reason: '全部考场已注册', rooms: { '11003002': { passed: false, reason: '考场未注册' } } };
    const first = await runSeal(k);
    expect(first.items.filter((i) => !i.passed), JSON.stringify(first.items)).to.deep.equal([]);
    expect(first.passed).to.equal(true);
    expect(first.rooms).to.deep.equal([{ roomCode: '11003002', passed: false, reason: '考场未注册；监考机不在线' }]);
    expect(first.report?.state).to.be.oneOf(['pending', 'delivered']);
    const key = `seal:11003:mock:${first.id}`;
    const sent = await waitFor('the seal report at the centre', () => centre.reports.get(key));
    expect(sent).to.include({ kind: 'seal.report', siteCode: '11003', mode: 'mock' });
    expect(sent.payload).to.deep.include({ passed: true, ranAt: first.ranAt });
    const panel = await waitFor('the report delivered', async () => {
      const p = (await k.admin.get<{ lastRun: SealRunView }>('/api/seal')).body.lastRun;
      return p.report?.state === 'delivered' ? p : null;
    });
    expect(panel.id).to.equal(first.id);
  });

  it('is for the administrator only', async () => {
    const r = await k.http.fetchFrom()('http://127.0.0.1/api/seal/run', { method: 'POST', headers: { origin: 'http://127.0.0.1' } });
    expect(r.status).to.equal(401);
    expect((await k.admin.get<{ lastRun: null }>('/api/seal')).body.lastRun, 'nothing ran').to.equal(null);
  });
});
