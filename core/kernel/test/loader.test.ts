import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { makeTempDir } from '../../testing/test-server';
import { loadVendorPlugins } from '../loader';
import { ManifestError } from '../manifest';

const GOOD_MAIN = `exports.createPlugin = (api) => api.definePlugin({
  manifest: { id: 'vendor-a', version: '1.0.0', host: '^0.1.0', displayName: 'A', extends: 'first' },
  register() {},
});`;

/** One vendor folder `vendor-a` with the given files. */
function vendorDir(files: Record<string, string>): string {
  const root = makeTempDir('examsite-vendors-');
  const folder = path.join(root, 'vendor-a');
  fs.mkdirSync(folder);
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(folder, name), text);
  return root;
}

const hostApi = { definePlugin: (d: unknown) => d };
const context = { hostVersion: '0.1.0', builtinIds: new Set(['first']) };

/** The folder is not loaded: the plugin is disabled with its Chinese reason, nothing thrown. */
function refusal(files: Record<string, string>): { message: string } {
  const root = vendorDir(files);
  try {
    const result = loadVendorPlugins(root, hostApi, context);
    expect(result.plugins).to.have.length(0);
    expect(result.disabled).to.have.length(1);
    const d = result.disabled[0]!;
    expect(d.folder).to.equal(path.join(root, 'vendor-a'));
    expect(d.reason).to.match(/[\u4e00-\u9fff]/);
    return { message: d.reason };
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

const pkg = (extra: Record<string, unknown> = {}): string => JSON.stringify({ id: 'vendor-a', main: 'server.js', ...extra });

describe('core/kernel vendor plugin loader (R10.2)', () => {
  it('loads a well-formed vendor folder', () => {
    const root = vendorDir({ 'examsite-plugin.json': pkg(), 'server.js': GOOD_MAIN });
    try {
      const loaded = loadVendorPlugins(root, hostApi, context);
      expect(loaded.plugins.map((p) => p.definition.manifest.id)).to.deep.equal(['vendor-a']);
      expect(loaded.disabled).to.deep.equal([]);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('disables, naming the folder and what to fix: bad JSON, a path out of the folder, no createPlugin, no extends, a stage, an id mismatch', () => {
    expect(refusal({ 'examsite-plugin.json': '{oops', 'server.js': GOOD_MAIN }).message).to.contain('examsite-plugin.json');
    expect(refusal({ 'examsite-plugin.json': pkg({ main: '../other.js' }), 'server.js': GOOD_MAIN }).message).to.contain('..');
    expect(refusal({ 'examsite-plugin.json': pkg(), 'server.js': 'exports.x = 1;' }).message).to.contain('createPlugin');
    expect(
      refusal({ 'examsite-plugin.json': pkg(), 'server.js': GOOD_MAIN.replace("extends: 'first'", "stage: 'first'") }).message,
    ).to.contain('extends');
    expect(
      refusal({ 'examsite-plugin.json': pkg(), 'server.js': GOOD_MAIN.replace("extends: 'first'", "extends: 'first', stage: 'first'") }).message,
    ).to.contain('stage');
    expect(refusal({ 'examsite-plugin.json': pkg({ id: 'vendor-b' }), 'server.js': GOOD_MAIN }).message).to.contain('不一致');
  });

  it('a vendor module that fails to load or whose createPlugin throws is a clear Chinese refusal, not a raw stack', () => {
    const syntax = refusal({ 'examsite-plugin.json': pkg(), 'server.js': 'exports.createPlugin = ( => {' });
    expect(syntax.message).to.match(/厂商插件 vendor-a 的 server\.js 无法加载/);
    const missing = refusal({ 'examsite-plugin.json': pkg() });
    expect(missing.message).to.equal('厂商插件 vendor-a 缺少文件 server.js；请向插件厂商索取与本系统匹配的版本，或移出插件目录后重新启动');
    expect(refusal({ 'examsite-plugin.json': pkg({ web: 'web/panel.js' }), 'server.js': GOOD_MAIN }).message).to.contain('缺少界面文件 web/panel.js');
    const throwing = refusal({ 'examsite-plugin.json': pkg(), 'server.js': "exports.createPlugin = () => { throw new Error('needs first 2.x'); };" });
    expect(throwing.message).to.contain('createPlugin 出错');
    expect(throwing.message).to.contain('needs first 2.x');
  });

  it('disables a plugin built for another host version or extending a plugin that is not loaded', () => {
    expect(refusal({ 'examsite-plugin.json': pkg(), 'server.js': GOOD_MAIN.replace("host: '^0.1.0'", "host: '^2.0.0'") }).message).to.contain('要求宿主版本 ^2.0.0');
    expect(refusal({ 'examsite-plugin.json': pkg(), 'server.js': GOOD_MAIN.replace("extends: 'first'", "extends: 'fourth'") }).message).to.contain('扩展的内置插件 fourth 没有加载');
  });

  it('stops the boot with the Chinese reason when the failing plugin says required: true', () => {
    const root = vendorDir({ 'examsite-plugin.json': pkg({ required: true }), 'server.js': "exports.createPlugin = () => { throw new Error('licence missing'); };" });
    try {
      expect(() => loadVendorPlugins(root, hostApi, context))
        .to.throw(ManifestError)
        .with.property('message')
        .that.matches(/^必需的厂商插件 vendor-a 无法加载，系统停止启动：厂商插件 vendor-a 的 createPlugin 出错（licence missing）/);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
