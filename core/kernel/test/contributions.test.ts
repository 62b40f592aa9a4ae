import { expect } from 'chai';
import { z } from 'zod';
import { Kernel, KernelError, rootService } from '../kernel';
import { definePlugin, type PluginDefinition, type PluginRegistrationEnv } from '../plugin';
import { createExtensionPoint, createServiceRef } from '../refs';

// Issue 9 point 6: contributions that need services, optional points, point schemas.

interface Check {
  readonly label: string;
  run(): string;
}
const checksPoint = createExtensionPoint<Check>('demo.checks', '检查项', {
  schema: z.object({ label: z.string().min(1, '检查项名称不能为空'), run: z.custom<() => string>((v) => typeof v === 'function', 'run 应为函数') }),
});
const roomsRef = createServiceRef<{ unregistered(): number }>('demo.rooms', '考场');
const workflow = ['first', 'second', 'third'];

function plugin(id: string, manifest: Partial<PluginDefinition['manifest']>, register: (env: PluginRegistrationEnv) => void): PluginDefinition {
  return definePlugin({ manifest: { id, version: '1.0.0', host: '^0.1.0', displayName: id, ...manifest }, register });
}

function kernelWith(lines: string[] = [], extra: Partial<ConstructorParameters<typeof Kernel>[0]> = {}): Kernel {
  return new Kernel({ hostVersion: '0.1.0', logger: { info: (m) => void lines.push(m), error: () => undefined }, coreServices: [], workflow, ...extra });
}

/** The owner: reads the checks at init and runs them. */
function owner(results: string[], stage = 'third'): PluginDefinition {
  return plugin('owner', { stage }, (env) => {
    env.declareExtensionPoint(checksPoint);
    env.registerInit({ deps: {}, init: (_d, ext) => void results.push(...ext.get(checksPoint).map((c) => `${c.label}:${c.run()}`)) });
  });
}

/** A contributor earlier in the workflow: its check is built from its own service. */
function contributor(log: string[] = []): PluginDefinition {
  return plugin('rooms', { stage: 'second' }, (env) => {
    env.provideService(roomsRef, { deps: {}, factory: () => ({ unregistered: () => 2 }) });
    env.extendWith(checksPoint, {
      deps: { rooms: roomsRef },
      factory: ({ rooms }) => {
        log.push('built');
        return { label: '考场全部注册', run: () => (rooms.unregistered() === 0 ? '通过' : `${rooms.unregistered()} 个考场未注册`) };
      },
    });
    env.registerInit({ deps: {}, init: () => void log.push('rooms init') });
  });
}

describe('core/kernel contributions (issue 9 point 6)', () => {
  it('builds a contribution from its services before the owner reads the point', async () => {
    const results: string[] = [];
    const log: string[] = [];
    const k = kernelWith();
    k.add(owner(results), 'test');
    k.add(contributor(log), 'test');
    await k.start();
    expect(results).to.deep.equal(['考场全部注册:2 个考场未注册']);
    expect(log).to.deep.equal(['rooms init', 'built']);
  });

  it('starts the provider of a contribution’s services before the owner, whatever the workflow says', async () => {
    const results: string[] = [];
    const log: string[] = [];
    // The owner's stage comes first in the workflow; the provider must still go before it.
    const k = kernelWith([], { workflow: ['third', 'second'] });
    k.add(owner(results), 'test');
    k.add(contributor(log), 'test');
    await k.start();
    expect(k.bootOrder).to.deep.equal(['rooms', 'owner']);
    expect(results).to.have.length(1);
  });

  it('does not make a vendor contributor a dependency of the owner it extends (no cycle)', async () => {
    const results: string[] = [];
    const k = kernelWith();
    k.add(owner(results), 'test');
    k.add(
      plugin('vendor-x', { extends: 'owner' }, (env) => {
        env.extendWith(checksPoint, { deps: { clockless: coreRef }, factory: ({ clockless }) => ({ label: '厂商检查', run: () => clockless.word }) });
      }),
      'test',
    );
    const k2 = new Kernel({ hostVersion: '0.1.0', logger: { info: () => undefined, error: () => undefined }, coreServices: [rootService(coreRef, {}, () => ({ word: '正常' }))], workflow });
    k2.add(owner(results), 'test');
    k2.add(
      plugin('vendor-x', { extends: 'owner' }, (env) => {
        env.extendWith(checksPoint, { deps: { clockless: coreRef }, factory: ({ clockless }) => ({ label: '厂商检查', run: () => clockless.word }) });
      }),
      'test',
    );
    await k2.start();
    expect(k2.bootOrder).to.deep.equal(['owner', 'vendor-x']);
    expect(results).to.deep.equal(['厂商检查:正常']);
    // Without the core service the contribution's dependency is refused by name.
    expect(() => k.register()).to.throw(KernelError, '插件 vendor-x 向扩展点 demo.checks 提供的内容依赖服务 demo.core');
  });

  it('skips a contribution to a point whose owner is not loaded, with a log line, and the contributor still runs', async () => {
    const lines: string[] = [];
    const log: string[] = [];
    const k = kernelWith(lines);
    k.add(contributor(log), 'test');
    await k.start();
    expect(log).to.deep.equal(['rooms init']);
    expect(lines).to.include('已跳过插件 rooms 向扩展点 demo.checks 提供的内容：没有已加载的插件声明该扩展点');
  });

  it('refuses a contribution the point’s schema does not accept, naming the plugin, at register time', () => {
    const k = kernelWith();
    k.add(owner([]), 'test');
    k.add(plugin('vendor-bad', { extends: 'owner' }, (env) => env.extend(checksPoint, { label: '', run: () => 'x' })), 'test');
    expect(() => k.register()).to.throw(KernelError, '插件 vendor-bad 向扩展点 demo.checks 提供的内容无效：label：检查项名称不能为空');
  });

  it('refuses a built contribution the schema does not accept, and reports a failing factory by plugin', async () => {
    const k = kernelWith();
    k.add(owner([]), 'test');
    k.add(
      plugin('vendor-bad', { extends: 'owner' }, (env) => env.extendWith(checksPoint, { deps: {}, factory: () => ({ label: '坏', run: 'not a function' }) as unknown as Check })),
      'test',
    );
    let error: unknown;
    await k.start().catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(KernelError);
    expect((error as Error).message).to.include('插件 vendor-bad 向扩展点 demo.checks 提供的内容无效：run：run 应为函数');

    const k2 = kernelWith();
    k2.add(owner([]), 'test');
    k2.add(plugin('vendor-throws', { extends: 'owner' }, (env) => env.extendWith(checksPoint, { deps: {}, factory: () => { throw new Error('坏了'); } })), 'test');
    let error2: unknown;
    await k2.start().catch((e: unknown) => (error2 = e));
    expect((error2 as Error).message).to.equal('插件 vendor-throws 为扩展点 demo.checks 构建内容时出错：坏了');
  });

  it('gives the host the contributions to the points it owns, built after every plugin started', async () => {
    const k = kernelWith([], { hostPoints: [checksPoint] });
    k.add(contributor(), 'test');
    k.add(plugin('thief', { stage: 'first' }, (env) => env.declareExtensionPoint(checksPoint)), 'other');
    expect(() => k.register()).to.throw(KernelError, '扩展点 demo.checks 由宿主声明，插件 thief 不能重复声明');

    const k2 = kernelWith([], { hostPoints: [checksPoint] });
    k2.add(contributor(), 'test');
    await expectRejected(k2.hostContributions(checksPoint), '内核启动后才可读取');
    await k2.start();
    const checks = await k2.hostContributions(checksPoint);
    expect(checks.map((c) => c.run())).to.deep.equal(['2 个考场未注册']);
    expect(Object.isFrozen(checks)).to.equal(true);
  });
});

const coreRef = createServiceRef<{ word: string }>('demo.core', '内核服务');

async function expectRejected(p: Promise<unknown>, text: string): Promise<void> {
  let error: unknown;
  await p.catch((e: unknown) => (error = e));
  expect((error as Error | undefined)?.message ?? '').to.include(text);
}
