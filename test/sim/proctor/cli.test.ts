import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { makeTempDir } from '../../../core/testing/test-server';
import { startSite, type RunningSite } from '../../integration/registration/site-harness';
import { runCli } from './run-cli';
import { proctorCommands } from './commands';

describe('proctor CLI (R11.2)', function () {
  this.timeout(30_000);
  let site: RunningSite;
  let dir: string;

  before(async () => {
    site = await startSite();
    dir = makeTempDir('examsite-proctor-cli-');
  });
  after(async () => {
    await site.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const run = runCli;

  it('register saves the credentials (0600) and room / whoami use them', async () => {
    const creds = path.join(dir, 'creds.json');
    const code = await site.code('11003002');
    const r = await run('register', '--site', site.url, '--room', '11003002', '--code', code, '--machine-id', 'pc-cli', '--credentials', creds);
    expect(r.code, r.err).to.equal(0);
    expect(r.out).to.contain('注册成功：考点 11003 考场 11003002');
    const saved = JSON.parse(fs.readFileSync(creds, 'utf8')) as { token: string; roomCode: string };
    expect(saved.roomCode).to.equal('11003002');
    expect(saved.token).to.match(/^[A-Za-z0-9_-]{43}$/);
    if (process.platform !== 'win32') expect(fs.statSync(creds).mode & 0o777).to.equal(0o600);

    const room = await run('room', '--credentials', creds);
    expect(room.code, room.err).to.equal(0);
    expect(room.out).to.match(/^考场 11003002 /);
    expect(room.out).to.contain('场次 1');

    const who = await run('whoami', '--credentials', creds, '--json');
    expect(JSON.parse(who.out)).to.include({ roomCode: '11003002', machineId: 'pc-cli' });

    const forget = await run('forget', '--credentials', creds);
    expect(forget.code).to.equal(0);
    expect(fs.existsSync(creds)).to.equal(false);
    const after = await run('room', '--credentials', creds);
    expect(after.code).to.equal(1);
    expect(after.err).to.contain('请先执行 register');
  });

  it('prints the site’s Chinese message on refusal (exit 1) and usage on bad arguments (exit 2)', async () => {
    const wrong = await run('register', '--site', site.url, '--room', '11003003', '--code', 'WRONGCDE', '--machine-id', 'pc-x', '--credentials', path.join(dir, 'x.json'));
    expect(wrong.code).to.equal(1);
    expect(wrong.err).to.contain('失败：考场代码或注册码错误');
    expect(fs.existsSync(path.join(dir, 'x.json'))).to.equal(false);

    const missing = await run('register', '--site', site.url);
    expect(missing.code).to.equal(2);
    expect(missing.err).to.contain('缺少选项 --room、--code');

    const unknown = await run('fly');
    expect(unknown.code).to.equal(2);
    for (const c of proctorCommands) expect(unknown.err).to.contain(c.name);
  });
});
