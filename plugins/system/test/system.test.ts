import { expect } from 'chai';
import { definePlugin } from '../../../core/kernel/plugin';
import type { HostControl, StopGuard } from '../../../core/lifecycle/host-control';
import { coreServices } from '../../../core/services';
import { FakeDongle } from '../../../core/testing/fake-dongle';
import { startedForEachTest } from '../../../core/testing/started-fixture';
import { fakeService, startTestKernel, type TestKernel } from '../../../core/testing/test-kernel';
import { waitFor } from '../../../core/testing/wait-for';
import { unreportedDataPoint } from '../api';
import { plugin } from '../server/plugin';

interface ErrorReply {
  error: { code: string; message: string };
}

/** The host's restart and exit, recorded instead of done: the test kernel stays up. */
class RecordingHostControl implements HostControl {
  readonly asked: string[] = [];
  private guard: StopGuard = async () => [];
  async restart(): Promise<void> {
    this.asked.push('restart');
  }
  async exit(): Promise<void> {
    this.asked.push('exit');
  }
  setStopGuard(guard: StopGuard): void {
    this.guard = guard;
  }
  stopBlockers(): Promise<readonly string[]> {
    return this.guard();
  }
}

/** Another stage as system sees it: something not yet reported, and data that initialization clears. */
const stage = { pending: [] as string[], cleared: 0 };
const stagePlugin = definePlugin({
  manifest: { id: 'system-test-stage', version: '1.0.0', host: '*', displayName: '系统管理测试阶段' },
  register(env) {
    env.extendWith(unreportedDataPoint, { deps: {}, factory: () => ({ label: '考试结果', unreported: async () => stage.pending }) });
    env.registerInit({
      deps: { data: coreServices.dataParticipation },
      init: ({ data }) => data.participate({ label: '测试数据', clear: async () => void stage.cleared++ }),
    });
  },
});

describe('系统管理 alone: 系统初始化 and 退出系统 against the other stages’ unreported data (R9.3, R9.5)', () => {
  let k: TestKernel;
  let control: RecordingHostControl;
  startedForEachTest(
    async () => {
      control = new RecordingHostControl();
      Object.assign(stage, { pending: [], cleared: 0 });
      const kernel = await startTestKernel({ plugins: [plugin, stagePlugin], fakes: [fakeService(coreServices.hostControl, control)], dongle: new FakeDongle({ labOverride: true }) });
      expect((await kernel.admin.put('/api/settings', { siteCode: '11003', mode: 'mock' })).status).to.equal(200);
      return kernel;
    },
    (v) => {
      k = v;
    },
  );

  it('initialization needs the site code typed again; then every participant is cleared, the site code too, and the host restarts', async () => {
    const wrong = await k.admin.post<ErrorReply>('/api/system/initialize', { confirmation: '11004' });
    expect(wrong.status).to.equal(400);
    expect(wrong.body.error).to.include({ code: 'INIT_CONFIRMATION_MISMATCH', message: '输入的考点代码与本考点代码 11003 不一致，未执行初始化；请输入本考点代码确认' });
    expect(stage.cleared).to.equal(0);

    const r = await k.admin.post<{ restarting: boolean }>('/api/system/initialize', { confirmation: '11003' });
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    expect(stage.cleared).to.equal(1);
    expect((await k.admin.get<{ siteCode: string | null }>('/api/settings')).body.siteCode).to.equal(null);
    await waitFor('the restart asked for after the answer', () => control.asked.includes('restart') || null);
    expect(control.asked).to.deep.equal(['restart']);
  });

  it('in a formal exam, initialization, exit and the stop signal are refused while a stage has unreported data; exit once reported', async () => {
    expect((await k.admin.put('/api/auth/password', { oldPassword: '888', newPassword: 'Kd-2026-site', confirmPassword: 'Kd-2026-site' })).status).to.be.oneOf([200, 204]);
    expect((await k.admin.put('/api/settings', { siteCode: '11003', mode: 'formal' })).status).to.equal(200);
    stage.pending = ['考场 11003001 未确认'];
    const overview = await k.admin.get<{ unreported: string[]; mode: string }>('/api/system/overview');
    expect(overview.body).to.include({ mode: 'formal' });
    expect(overview.body.unreported).to.deep.equal(['考试结果：考场 11003001 未确认']);

    const init = await k.admin.post<ErrorReply>('/api/system/initialize', { confirmation: '11003' });
    expect(init.status).to.equal(409);
    expect(init.body.error.code).to.equal('INIT_BLOCKED_UNREPORTED');
    const exit = await k.admin.post<ErrorReply>('/api/system/exit', {});
    expect(exit.status).to.equal(409);
    expect(exit.body.error).to.include({ code: 'EXIT_BLOCKED_UNREPORTED' });
    expect(exit.body.error.message).to.contain('考试结果：考场 11003001 未确认');
    expect(await control.stopBlockers(), 'the stop signal asks the same question').to.deep.equal(['考试结果：考场 11003001 未确认']);
    expect(stage.cleared).to.equal(0);
    expect(control.asked).to.deep.equal([]);

    stage.pending = [];
    expect((await k.admin.post('/api/system/exit', {})).status).to.equal(200);
    await waitFor('the exit asked for after the answer', () => control.asked.includes('exit') || null);
  });

  it('a mock exam never blocks on unreported data', async () => {
    stage.pending = ['考场 11003001 未确认'];
    expect((await k.admin.get<{ unreported: string[] }>('/api/system/overview')).body.unreported).to.deep.equal([]);
    expect((await k.admin.post('/api/system/exit', {})).status).to.equal(200);
  });
});
