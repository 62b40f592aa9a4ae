import { expect } from 'chai';
import fs from 'node:fs';
import { ConfigError, loadConfig } from '../config';
import { makeTempDir } from '../../testing/test-server';
import { AddressList } from '../../net/address-list';

describe('configuration: adminAllowFrom / EXAMSITE_ADMIN_ALLOW (issue 10 point 1)', () => {
  let dir: string;
  beforeEach(() => {
    dir = makeTempDir('examsite-config-');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is empty by default: only the site PC itself administers', () => {
    expect(loadConfig({ EXAMSITE_DATA: dir }).adminAllowFrom).to.deep.equal([]);
  });

  it('reads addresses and ranges from the environment, comma-separated', () => {
    const cfg = loadConfig({ EXAMSITE_DATA: dir, EXAMSITE_ADMIN_ALLOW: '192.168.1.20, 10.0.0.0/24,fd00::/64' });
    expect(cfg.adminAllowFrom).to.deep.equal(['192.168.1.20', '10.0.0.0/24', 'fd00::/64']);
    const list = new AddressList(cfg.adminAllowFrom);
    expect(list.has('192.168.1.20')).to.equal(true);
    expect(list.has('::ffff:10.0.0.77')).to.equal(true);
    expect(list.has('10.0.1.1')).to.equal(false);
    expect(list.has('192.168.1.21')).to.equal(false);
  });

  it('refuses an entry that is not an address or range, naming the setting and where it came from', () => {
    for (const bad of ['192.168.1', 'pc-01', '10.0.0.0/33', '10.0.0.0/8/1', '10.0.0.0/x']) {
      let message = '';
      try {
        loadConfig({ EXAMSITE_DATA: dir, EXAMSITE_ADMIN_ALLOW: bad });
      } catch (e) {
        expect(e).to.be.instanceOf(ConfigError);
        message = (e as Error).message;
      }
      expect(message, bad).to.contain('adminAllowFrom.0');
      expect(message, bad).to.contain('EXAMSITE_ADMIN_ALLOW');
      expect(message, bad).to.contain('应为 IP 地址（如 192.168.1.20）或网段（如 192.168.1.0/24）');
    }
  });
});
