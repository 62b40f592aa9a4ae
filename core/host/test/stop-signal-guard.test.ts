import { expect } from 'chai';
import type { HostControl } from '../../lifecycle/host-control';
import { SECOND_SIGNAL_WINDOW_MS, StopSignalGuard } from '../stop-signal-guard';

function controlWith(blockers: readonly string[]): HostControl {
  return {
    restart: () => Promise.resolve(),
    exit: () => Promise.resolve(),
    setStopGuard: () => undefined,
    stopBlockers: () => Promise.resolve(blockers),
  };
}

describe('stop signal guard (R9.5): a second signal within a few seconds is needed while results are not reported', () => {
  const logger = { warn: () => undefined, error: () => undefined };

  it('stops at once when nothing blocks', async () => {
    const guard = new StopSignalGuard(controlWith([]), logger, () => 0, () => expect.fail('no warning expected'));
    expect(await guard.mayStop('SIGINT')).to.equal(true);
  });

  it('refuses the first signal with a loud warning, accepts a second one inside the window, not one after it', async () => {
    let now = 1_000;
    const warnings: string[] = [];
    const guard = new StopSignalGuard(controlWith(['考场 01 的考试结果尚未上报']), logger, () => now, (m) => warnings.push(m));
    expect(await guard.mayStop('SIGINT')).to.equal(false);
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.contain('考场 01 的考试结果尚未上报').and.contain('再次发送停止信号');
    now += SECOND_SIGNAL_WINDOW_MS + 1;
    expect(await guard.mayStop('SIGTERM')).to.equal(false);
    now += 1_000;
    expect(await guard.mayStop('SIGTERM')).to.equal(true);
  });
});
