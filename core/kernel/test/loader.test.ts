import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { makeTempDir } from '../../testing/test-server';
import { loadVendorPlugins } from '../loader';
import { ManifestError } from '../manifest';

const GOOD_MAIN = `exports.createPlugin = (api) => api.definePlugin({
  manifest: { id: 'vendor-a', version: '1.0.0', host: '^0.1.0', displayName: 'A', extends: 'load' },
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

function refusal(files: Record<string, string>): ManifestError {
  const root = vendorDir(files);
  try {
    loadVendorPlugins(root, hostApi);
  } catch (e) {
    expect(e, String(e)).to.be.instanceOf(ManifestError);
    return e as ManifestError;
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
  throw new Error('the vendor plugin was accepted');
}

const pkg = (extra: Record<string, unknown> = {}): string => JSON.stringify({ id: 'vendor-a', main: 'server.js', ...extra });

describe('core/kernel vendor plugin loader (R10.2)', () => {
  it('loads a well-formed vendor folder', () => {
    const root = vendorDir({ 'examsite-plugin.json': pkg(), 'server.js': GOOD_MAIN });
    try {
      const loaded = loadVendorPlugins(root, hostApi);
      expect(loaded.map((p) => p.definition.manifest.id)).to.deep.equal(['vendor-a']);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('refuses, naming the folder and what to fix: bad JSON, a path out of the folder, no createPlugin, no extends, a stage, an id mismatch', () => {
    expect(refusal({ 'examsite-plugin.json': '{oops', 'server.js': GOOD_MAIN }).message).to.contain('examsite-plugin.json');
    expect(refusal({ 'examsite-plugin.json': pkg({ main: '../other.js' }), 'server.js': GOOD_MAIN }).message).to.contain('..');
    expect(refusal({ 'examsite-plugin.json': pkg(), 'server.js': 'exports.x = 1;' }).message).to.contain('createPlugin');
    expect(
      refusal({ 'examsite-plugin.json': pkg(), 'server.js': GOOD_MAIN.replace("extends: 'load'", "stage: 'load'") }).message,
    ).to.contain('extends');
    expect(
      refusal({ 'examsite-plugin.json': pkg(), 'server.js': GOOD_MAIN.replace("extends: 'load'", "extends: 'load', stage: 'load'") }).message,
    ).to.contain('stage');
    expect(refusal({ 'examsite-plugin.json': pkg({ id: 'vendor-b' }), 'server.js': GOOD_MAIN }).message).to.contain('不一致');
  });

  it('a vendor module that fails to load or whose createPlugin throws is a clear Chinese refusal, not a raw stack', () => {
    const syntax = refusal({ 'examsite-plugin.json': pkg(), 'server.js': 'exports.createPlugin = ( => {' });
    expect(syntax.message).to.match(/厂商插件 vendor-a 的 server\.js 无法加载/);
    const missing = refusal({ 'examsite-plugin.json': pkg() });
    expect(missing.message).to.match(/厂商插件 vendor-a 的 server\.js 无法加载/);
    const throwing = refusal({ 'examsite-plugin.json': pkg(), 'server.js': "exports.createPlugin = () => { throw new Error('needs load 2.x'); };" });
    expect(throwing.message).to.contain('createPlugin 出错');
    expect(throwing.message).to.contain('needs load 2.x');
  });
});
