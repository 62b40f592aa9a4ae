import { expect } from 'chai';
import { container as globalContainer } from 'tsyringe';
import { Kernel, KernelError, rootService } from '../kernel';
import { ManifestError } from '../manifest';
import { definePlugin, type PluginDefinition } from '../plugin';
import { createExtensionPoint, createServiceRef } from '../refs';

const silent = { info: () => undefined, error: () => undefined };
/** The workflow order is host data (the product's comes from its plugins folder); tests pass their own. */
const workflow = ['first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh'];

function kernel(): Kernel {
  return new Kernel({ hostVersion: '0.1.0', logger: silent, coreServices: [], workflow });
}

function stagePlugin(id: string, stage: NonNullable<PluginDefinition['manifest']['stage']>, extra: Partial<PluginDefinition> = {}, log?: string[]): PluginDefinition {
  return definePlugin({
    manifest: { id, version: '1.0.0', host: '^0.1.0', displayName: id, stage },
    register(env) {
      env.registerInit({ deps: {}, init: () => void log?.push(id) });
    },
    ...extra,
  });
}

describe('core/kernel (R10.1)', () => {
  it('starts plugins in workflow order whatever order they were added in', async () => {
    const log: string[] = [];
    const k = kernel();
    k.add(stagePlugin('seventh', 'seventh', {}, log), 'test');
    k.add(stagePlugin('first', 'first', {}, log), 'test');
    k.add(stagePlugin('fifth', 'fifth', {}, log), 'test');
    k.add(stagePlugin('second', 'second', {}, log), 'test');
    await k.start();
    expect(log).to.deep.equal(['first', 'second', 'fifth', 'seventh']);
    expect(k.bootOrder).to.deep.equal(log);
  });

  it('logs the boot order once the register phase ends', () => {
    const lines: string[] = [];
    const k = new Kernel({ hostVersion: '0.1.0', logger: { info: (m) => void lines.push(m), error: () => undefined }, coreServices: [], workflow });
    k.add(stagePlugin('fourth', 'fourth'), 'test');
    k.add(stagePlugin('first', 'first'), 'test');
    k.register();
    expect(lines).to.deep.equal(['插件启动顺序: first → fourth']);
  });

  it('orders a provider before its consumer, and a vendor plugin after the plugin it extends', async () => {
    const ref = createServiceRef<{ hello(): string }>('demo.hello', 'demo');
    const log: string[] = [];
    const k = kernel();
    k.add(
      definePlugin({
        manifest: { id: 'vendor-x', version: '1.0.0', host: '^0.1.0', displayName: 'v', extends: 'first' },
        register(env) {
          env.registerInit({ deps: { h: ref }, init: ({ h }) => void log.push(`vendor:${h.hello()}`) });
        },
      }),
      'test',
    );
    k.add(
      definePlugin({
        manifest: { id: 'first', version: '1.0.0', host: '^0.1.0', displayName: 'l', stage: 'first' },
        register(env) {
          env.provideService(ref, { deps: {}, factory: () => ({ hello: () => 'hi' }) });
          env.registerInit({ deps: {}, init: () => void log.push('first') });
        },
      }),
      'test',
    );
    k.add(stagePlugin('second', 'second', {}, log), 'test');
    await k.start();
    expect(log).to.deep.equal(['first', 'vendor:hi', 'second']);
  });

  it('gives the owner of an extension point the contributions, sealed after second', async () => {
    const point = createExtensionPoint<string>('demo.items', 'demo');
    let seen: readonly string[] = [];
    let lateEnv: { extend(p: typeof point, v: string): void } | null = null;
    const k = kernel();
    k.add(
      definePlugin({
        manifest: { id: 'owner', version: '1.0.0', host: '^0.1.0', displayName: 'o', stage: 'fourth' },
        register(env) {
          env.declareExtensionPoint(point);
          env.extend(point, 'own');
          env.registerInit({ deps: {}, init: (_d, ext) => void (seen = ext.get(point)) });
        },
      }),
      'test',
    );
    k.add(
      definePlugin({
        manifest: { id: 'contrib', version: '1.0.0', host: '^0.1.0', displayName: 'c', extends: 'owner' },
        register(env) {
          env.extend(point, 'vendor');
          lateEnv = env;
          env.registerInit({
            deps: {},
            init: (_d, ext) => {
              expect(() => ext.get(point)).to.throw(KernelError, '没有声明扩展点');
            },
          });
        },
      }),
      'test',
    );
    await k.start();
    expect(seen).to.deep.equal(['own', 'vendor']);
    expect(Object.isFrozen(seen)).to.equal(true);
    expect(() => lateEnv!.extend(point, 'late')).to.throw(KernelError, '扩展点已封闭');
  });

  it('takes the workflow order from the host: another list, another order; an unknown stage is refused', async () => {
    const log: string[] = [];
    const k = new Kernel({ hostVersion: '0.1.0', logger: silent, coreServices: [], workflow: ['fifth', 'first'] });
    k.add(stagePlugin('first', 'first', {}, log), 'test');
    k.add(stagePlugin('fifth', 'fifth', {}, log), 'test');
    await k.start();
    expect(log).to.deep.equal(['fifth', 'first']);

    const k2 = new Kernel({ hostVersion: '0.1.0', logger: silent, coreServices: [], workflow: ['first'] });
    k2.add(stagePlugin('fourth', 'fourth'), 'test');
    expect(() => k2.register()).to.throw(KernelError, '插件 fourth 声明的工作流阶段 fourth 不在宿主的工作流中（first）');
  });

  it('refuses a dependency cycle and names it', () => {
    const a = createServiceRef<number>('a.svc', 'a');
    const b = createServiceRef<number>('b.svc', 'b');
    const k = kernel();
    k.add(
      definePlugin({
        manifest: { id: 'alpha', version: '1.0.0', host: '^0.1.0', displayName: 'a', stage: 'first' },
        register(env) {
          env.provideService(a, { deps: {}, factory: () => 1 });
          env.registerInit({ deps: { b }, init: () => undefined });
        },
      }),
      'test',
    );
    k.add(
      definePlugin({
        manifest: { id: 'beta', version: '1.0.0', host: '^0.1.0', displayName: 'b', stage: 'second' },
        register(env) {
          env.provideService(b, { deps: {}, factory: () => 2 });
          env.registerInit({ deps: { a }, init: () => undefined });
        },
      }),
      'test',
    );
    expect(() => k.register()).to.throw(KernelError, /循环依赖：(alpha → beta → alpha|beta → alpha → beta)/);
  });

  it('refuses a missing plugin dependency and a missing service provider', () => {
    const k1 = kernel();
    k1.add(
      definePlugin({
        manifest: { id: 'needy', version: '1.0.0', host: '^0.1.0', displayName: 'n', stage: 'fourth', dependsOn: ['first'] },
        register: () => undefined,
      }),
      'test',
    );
    expect(() => k1.register()).to.throw(KernelError, '依赖插件 first，但 first 没有加载');

    const missing = createServiceRef<number>('ghost.svc', 'g');
    const k2 = kernel();
    k2.add(
      definePlugin({
        manifest: { id: 'needy', version: '1.0.0', host: '^0.1.0', displayName: 'n', stage: 'fourth' },
        register: (env) => env.registerInit({ deps: { missing }, init: () => undefined }),
      }),
      'test',
    );
    expect(() => k2.register()).to.throw(KernelError, '依赖服务 ghost.svc');
  });

  it('refuses bad manifests: invalid id, bad version, incompatible host range, duplicates', () => {
    const bad = (manifest: Record<string, unknown>): (() => void) => () => {
      const k = kernel();
      k.add({ manifest: manifest as never, register: () => undefined }, 'test');
      k.register();
    };
    expect(bad({ id: 'Bad Id', version: '1.0.0', host: '^0.1.0', displayName: 'x' })).to.throw(ManifestError, '插件编号');
    expect(bad({ id: 'ok', version: 'one', host: '^0.1.0', displayName: 'x' })).to.throw(ManifestError, '语义化版本');
    expect(bad({ id: 'ok', version: '1.0.0', host: '^2.0.0', displayName: 'x' })).to.throw(ManifestError, '要求宿主版本 ^2.0.0');
    expect(bad({ id: 'ok', version: '1.0.0', host: '^0.1.0', displayName: 'x', stage: 'first', extends: 'first' })).to.throw(ManifestError, '不能同时声明');
    expect(bad({ id: 'ok', version: '1.0.0', host: '^0.1.0', displayName: 'x', unknownField: 1 })).to.throw(ManifestError);
    const k = kernel();
    k.add(stagePlugin('twin', 'first'), 'a');
    k.add(stagePlugin('twin', 'first'), 'b');
    expect(() => k.register()).to.throw(KernelError, '插件编号 twin 重复');
  });

  it('resolves core services once (root) and registers them in the plugin child container', async () => {
    const ref = createServiceRef<{ n: number }>('core.counter', 'c');
    let made = 0;
    const k = new Kernel({ hostVersion: '0.1.0', logger: silent, coreServices: [rootService(ref, {}, () => ({ n: ++made }))] });
    const got: number[] = [];
    for (const id of ['one', 'two']) {
      k.add(
        definePlugin({
          manifest: { id, version: '1.0.0', host: '^0.1.0', displayName: id },
          register: (env) => env.registerInit({ deps: { c: ref }, init: ({ c }) => void got.push(c.n) }),
        }),
        'test',
      );
    }
    await k.start();
    expect(got).to.deep.equal([1, 1]);
    expect(k.containerOf('one').resolve<{ n: number }>(ref.token).n).to.equal(1);
    // Nothing lands in tsyringe's global container: two kernels in one process stay apart.
    expect(globalContainer.isRegistered(ref.token, true)).to.equal(false);
  });
});
