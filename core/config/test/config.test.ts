import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, describeConfig, loadConfig } from '../config';
import { makeTempDir } from '../../testing/test-server';

function refusal(env: NodeJS.ProcessEnv, fileText?: string): string {
  const dir = makeTempDir('examsite-config-');
  try {
    if (fileText !== undefined) fs.writeFileSync(path.join(dir, 'examsite.config.json'), fileText);
    loadConfig({ EXAMSITE_DATA: dir, ...env });
  } catch (e) {
    expect(e).to.be.instanceOf(ConfigError);
    return (e as Error).message;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  throw new Error('the configuration was accepted');
}

describe('configuration: one place, validated, Chinese messages naming the setting and where it came from (issue 2 item 7)', () => {
  it('defaults: data ./data, port 9190, SQLite, no centre, dongle auto', () => {
    const dir = makeTempDir('examsite-config-');
    try {
      const cfg = loadConfig({ EXAMSITE_DATA: dir });
      expect(cfg).to.include({ dataDir: dir, port: 9190, databaseUrl: '', centreUrl: '', dongle: 'auto', labAllowSoftDongleFormal: false });
      expect(path.resolve(loadConfig({}).dataDir)).to.equal(path.resolve('./data'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('file < environment; the environment names keys as EXAMSITE_*', () => {
    const dir = makeTempDir('examsite-config-');
    try {
      fs.writeFileSync(path.join(dir, 'examsite.config.json'), JSON.stringify({ port: 9300, dongle: 'soft' }));
      const cfg = loadConfig({ EXAMSITE_DATA: dir, EXAMSITE_PORT: '9400', EXAMSITE_CENTRE_KEYS: `${'A'.repeat(43)}, ${'b'.repeat(43)}` });
      expect(cfg.port).to.equal(9400);
      expect(cfg.dongle).to.equal('soft');
      expect(cfg.centreKeys).to.deep.equal(['A'.repeat(43), 'b'.repeat(43)]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a bad environment value names the variable and its value', () => {
    const m = refusal({ EXAMSITE_PORT: 'abc' });
    expect(m).to.contain('EXAMSITE_PORT');
    expect(m).to.contain('abc');
    expect(m).to.match(/^配置无效/);
    expect(refusal({ EXAMSITE_DONGLE: 'usb' })).to.contain('EXAMSITE_DONGLE');
    expect(refusal({ EXAMSITE_LAB_SOFT_DONGLE_FORMAL: 'yes' })).to.contain('EXAMSITE_LAB_SOFT_DONGLE_FORMAL');
  });

  it('a bad file value or an unknown key names the file', () => {
    const typo = refusal({}, JSON.stringify({ prot: 9190 }));
    expect(typo).to.contain('examsite.config.json');
    expect(typo).to.contain('prot');
    expect(refusal({}, JSON.stringify({ port: '9190' }))).to.contain('examsite.config.json');
  });

  it('refuses a centre URL, centre keys or a database URL that could never work, instead of failing later', () => {
    const url = refusal({ EXAMSITE_CENTRE_URL: 'centre.example' });
    expect(url).to.contain('EXAMSITE_CENTRE_URL');
    expect(url).to.contain('http://');
    const keys = refusal({ EXAMSITE_CENTRE_KEYS: 'not-a-key' });
    expect(keys).to.contain('EXAMSITE_CENTRE_KEYS');
    expect(keys).to.contain('公钥');
    const db = refusal({ EXAMSITE_DB_URL: 'mysql://user:secret@db/examsite' });
    expect(db).to.contain('postgres://');
    expect(db).not.to.contain('secret');
  });

  it('prints the effective configuration with the database password masked', () => {
    const dir = makeTempDir('examsite-config-');
    try {
      const cfg = loadConfig({ EXAMSITE_DATA: dir, EXAMSITE_DB_URL: 'postgres://examsite:s3cret@127.0.0.1:5432/examsite' });
      const shown = JSON.stringify(describeConfig(cfg));
      expect(shown).not.to.contain('s3cret');
      expect(shown).to.contain('postgres://examsite:***@127.0.0.1:5432/examsite');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
