import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { definePlugin } from '../../kernel/plugin';
import { coreServices } from '../../services';
import { makeTempDir, startTestServer } from '../../testing/test-server';
import { ConfigError, loadConfig, type ExamSiteConfigInput } from '../config';
import { pluginEnvName, readPluginConfig, withTestConfig } from '../plugin-config';

// Issue 9 point 7c: a plugin declares and validates its own configuration section.
const demoSchema = z
  .object({
    listenPort: z.number().int().min(0, '端口应在 0–65535 之间').max(65535, '端口应在 0–65535 之间').default(2121),
    greeting: z.string().default('你好'),
    passive: z.object({ min: z.number(), max: z.number() }).default({ min: 30000, max: 30099 }),
  })
  .strict();

function withFile(file: unknown, env: NodeJS.ProcessEnv, overrides: Partial<ExamSiteConfigInput>, work: (cfgText: () => ReturnType<typeof loadConfig>) => void): void {
  const dir = makeTempDir('examsite-plugin-config-');
  try {
    if (file !== undefined) fs.writeFileSync(path.join(dir, 'examsite.config.json'), JSON.stringify(file));
    work(() => loadConfig({ EXAMSITE_DATA: dir, ...env }, overrides));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function refusal(work: () => unknown): string {
  try {
    work();
  } catch (e) {
    expect(e).to.be.instanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('the configuration was accepted');
}

describe('plugin configuration sections (issue 9 point 7c)', () => {
  it('names the environment variable EXAMSITE_<ID>_<KEY> in upper snake case', () => {
    expect(pluginEnvName('demo', 'listenPort')).to.equal('EXAMSITE_DEMO_LISTEN_PORT');
    expect(pluginEnvName('vendor-x', 'listenPort')).to.equal('EXAMSITE_VENDOR_X_LISTEN_PORT');
  });

  it('reads defaults < the file section plugins.<id> < the environment < start overrides', () => {
    withFile({ plugins: { demo: { listenPort: 2200, greeting: '文件' } } }, {}, {}, (cfg) => {
      expect(readPluginConfig(cfg(), 'demo', demoSchema)).to.deep.equal({ listenPort: 2200, greeting: '文件', passive: { min: 30000, max: 30099 } });
    });
    withFile({ plugins: { demo: { listenPort: 2200 } } }, { EXAMSITE_DEMO_LISTEN_PORT: '2300', EXAMSITE_DEMO_PASSIVE: '{"min":1,"max":2}' }, {}, (cfg) => {
      expect(readPluginConfig(cfg(), 'demo', demoSchema)).to.deep.equal({ listenPort: 2300, greeting: '你好', passive: { min: 1, max: 2 } });
    });
    withFile({ plugins: { demo: { listenPort: 2200 } } }, { EXAMSITE_DEMO_LISTEN_PORT: '2300' }, { plugins: { demo: { listenPort: 0 } } }, (cfg) => {
      expect(readPluginConfig(cfg(), 'demo', demoSchema).listenPort).to.equal(0);
    });
    // Another plugin's section is none of this one's business.
    withFile({ plugins: { other: { anything: true } } }, {}, {}, (cfg) => {
      expect(readPluginConfig(cfg(), 'demo', demoSchema).listenPort).to.equal(2121);
    });
  });

  it('refuses a bad value naming the setting and where it came from', () => {
    withFile({ plugins: { demo: { listenPort: 70000 } } }, {}, {}, (cfg) => {
      const message = refusal(() => readPluginConfig(cfg(), 'demo', demoSchema));
      expect(message).to.match(/^配置无效：plugins\.demo\.listenPort（来自配置文件 .*examsite\.config\.json）: 端口应在 0–65535 之间。请改正后重新启动$/);
    });
    withFile(undefined, { EXAMSITE_DEMO_LISTEN_PORT: 'abc' }, {}, (cfg) => {
      expect(refusal(() => readPluginConfig(cfg(), 'demo', demoSchema))).to.include('plugins.demo.listenPort（来自环境变量 EXAMSITE_DEMO_LISTEN_PORT="abc"）');
    });
    withFile({ plugins: { demo: { lisenPort: 1 } } }, {}, {}, (cfg) => {
      expect(refusal(() => readPluginConfig(cfg(), 'demo', demoSchema))).to.include('plugins.demo');
    });
    // A section that is not an object is refused by core, naming the section.
    expect(refusal(() => withFile({ plugins: { demo: 5 } }, {}, {}, (cfg) => cfg()))).to.include('plugins.demo');
  });

  it('gives each plugin its own section through coreServices.pluginConfig, and a refusal stops the boot', async function () {
    this.timeout(30000);
    let seen: unknown = null;
    const demo = definePlugin({
      manifest: { id: 'demo', version: '1.0.0', host: '^0.1.0', displayName: '示例' },
      register: (env) => env.registerInit({ deps: { config: coreServices.pluginConfig }, init: ({ config }) => void (seen = config.read(demoSchema)) }),
    });
    const server = await startTestServer({ plugins: [demo], config: { plugins: { demo: { greeting: '测试' } } } });
    await server.stop();
    expect(seen).to.deep.include({ listenPort: 2121, greeting: '测试' });

    let error: unknown;
    await startTestServer({ plugins: [demo], env: { EXAMSITE_DEMO_LISTEN_PORT: '-1' } }).then((s) => s.stop(), (e: unknown) => (error = e));
    expect(error).to.be.instanceOf(ConfigError);
    expect((error as Error).message).to.include('plugins.demo.listenPort（来自环境变量 EXAMSITE_DEMO_LISTEN_PORT="-1"）');
  });

  it('test sites put a plugin\'s testConfig under its section: the test\'s own value wins, the environment does not (issue 9 point 7c)', () => {
    withFile(undefined, { EXAMSITE_DEMO_LISTEN_PORT: '2300' }, {}, (cfg) => {
      expect(readPluginConfig(cfg(), 'demo', demoSchema).listenPort, 'the product reads the environment').to.equal(2300);
      expect(readPluginConfig(withTestConfig(cfg(), 'demo', { listenPort: 0 }), 'demo', demoSchema).listenPort, 'a test site stays on a free port').to.equal(0);
    });
    withFile(undefined, {}, { plugins: { demo: { listenPort: 4000 } } }, (cfg) => {
      expect(readPluginConfig(withTestConfig(cfg(), 'demo', { listenPort: 0 }), 'demo', demoSchema).listenPort).to.equal(4000);
    });
  });

  it('startTestServer applies PluginDefinition.testConfig; the definition alone changes nothing for the product', async function () {
    this.timeout(30000);
    let seen: unknown = null;
    const listener = definePlugin({
      manifest: { id: 'demo', version: '1.0.0', host: '^0.1.0', displayName: '示例' },
      testConfig: { listenPort: 0 },
      register: (env) => env.registerInit({ deps: { config: coreServices.pluginConfig }, init: ({ config }) => void (seen = config.read(demoSchema)) }),
    });
    const server = await startTestServer({ plugins: [listener], env: { EXAMSITE_DEMO_LISTEN_PORT: '2300' } });
    await server.stop();
    expect(seen).to.deep.include({ listenPort: 0 });
  });
});
