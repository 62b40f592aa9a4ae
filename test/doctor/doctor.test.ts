import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { FakeHidTransport, HidDongle, SimulatedHidDevice } from '../../core/dongle';
import { freePort } from '../../core/testing/free-port';
import { makeTempDir } from '../../core/testing/test-server';
import { runDoctor, type DoctorOptions, type DoctorReport } from '../../tools/doctor/run-doctor';
import { startCentreSimulator, type RunningCentreSimulator } from '../sim/centre/centre-simulator';

const GIB = 1024 ** 3;

interface DoctorRun extends DoctorReport {
  readonly output: string;
  line(title: string): DoctorReport['lines'][number];
}

async function doctor(dataDir: string, env: NodeJS.ProcessEnv, extra: Partial<DoctorOptions> = {}): Promise<DoctorRun> {
  const printed: string[] = [];
  const report = await runDoctor({
    env: { EXAMSITE_DATA: dataDir, EXAMSITE_HOST: '127.0.0.1', ...env },
    dongle: { loadHid: () => ({}), transport: new FakeHidTransport(), platform: 'linux', libDirs: [], udevRuleDirs: [], now: Date.now },
    // Disk checks are about the site's machine; here they must not depend on the CI disk.
    disk: { failBelowBytes: 1, warnBelowBytes: 2 },
    pluginsDir: path.join(dataDir, 'no-plugins'),
    print: (line) => printed.push(line),
    ...extra,
  });
  const line = (title: string): DoctorReport['lines'][number] => {
    const found = report.lines.find((l) => l.title === title);
    if (!found) throw new Error(`no check ${title} in:\n${printed.join('\n')}`);
    return found;
  };
  return { ...report, output: printed.join('\n'), line };
}

const listDir = (dir: string): string[] => fs.readdirSync(dir).sort();

describe('npm run doctor (issue 14 point 5)', function () {
  this.timeout(20000);
  let sim: RunningCentreSimulator;
  let simDir: string;

  before(async () => {
    simDir = makeTempDir('examsite-doctor-sim-');
    sim = await startCentreSimulator({ dataDir: simDir, log: () => undefined });
  });
  after(async () => {
    await sim.stop();
    fs.rmSync(simDir, { recursive: true, force: true });
  });

  it('all good with the soft dongle: exit 0, the soft dongle is a warning naming 模拟机考锁, and the data directory is untouched', async () => {
    const dataDir = makeTempDir('examsite-doctor-');
    const before = listDir(dataDir);
    const run = await doctor(dataDir, { EXAMSITE_DONGLE: 'soft', EXAMSITE_PORT: String(await freePort()), EXAMSITE_CENTRE_URL: sim.url, EXAMSITE_CENTRE_KEYS: sim.keys });
    expect(run.exitCode, run.output).to.equal(0);
    expect(run.line('配置有效').mark).to.equal('pass');
    expect(run.line('局域网端口').mark).to.equal('pass');
    expect(run.line('监控平台连通').mark).to.equal('pass');
    expect(run.line('监控平台公钥').mark).to.equal('pass');
    expect(run.line('数据目录可写').mark).to.equal('pass');
    const soft = run.line('机考锁设备');
    expect(soft.mark).to.equal('warn');
    expect(soft.detail).to.contain('模拟机考锁').and.contain('不能用于正式考试');
    expect(run.output).to.contain('[警告] 机考锁设备').and.contain('结果：');
    expect(run.output).not.to.match(/Error|at .+\.js:\d+/);
    expect(listDir(dataDir)).to.deep.equal(before);
  });

  it('a LAN port taken by another listener fails with the Chinese advice, and the port is still the other listener’s', async () => {
    const dataDir = makeTempDir('examsite-doctor-');
    const other = net.createServer();
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const port = (other.address() as net.AddressInfo).port;
    try {
      const run = await doctor(dataDir, { EXAMSITE_DONGLE: 'soft', EXAMSITE_PORT: String(port) });
      const check = run.line('局域网端口');
      expect(check.mark).to.equal('fail');
      expect(check.detail).to.contain(String(port)).and.contain('EADDRINUSE');
      expect(check.advice).to.contain(`端口 ${port} 已被其他程序占用`).and.contain('port');
      expect(run.exitCode).to.equal(1);
      expect(other.listening).to.equal(true);
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });

  it('a free port is bound only for a moment: after the doctor another server can listen on it', async () => {
    const dataDir = makeTempDir('examsite-doctor-');
    const port = await freePort();
    await doctor(dataDir, { EXAMSITE_DONGLE: 'soft', EXAMSITE_PORT: String(port) });
    const after = net.createServer();
    await new Promise<void>((resolve, reject) => {
      after.once('error', reject);
      after.listen(port, '127.0.0.1', resolve);
    });
    await new Promise((resolve) => after.close(resolve));
  });

  it('a bad configuration is a failed check naming the setting and where it came from, not a stack trace', async () => {
    const dataDir = makeTempDir('examsite-doctor-');
    fs.writeFileSync(path.join(dataDir, 'examsite.config.json'), JSON.stringify({ centreUrl: 'ftp://centre' }));
    const before = listDir(dataDir);
    const run = await doctor(dataDir, {});
    const check = run.line('配置有效');
    expect(check.mark).to.equal('fail');
    expect(check.detail).to.contain('centreUrl').and.contain('配置文件').and.contain('http://');
    expect(run.output).to.contain('其余检查需要有效的配置，已跳过');
    expect(run.output).not.to.match(/ConfigError|at .+\.js:\d+/);
    expect(run.exitCode).to.equal(1);
    expect(listDir(dataDir)).to.deep.equal(before);
  });

  it('an unreachable centre fails with what to check; keys missing for a configured centre fail too', async () => {
    const dataDir = makeTempDir('examsite-doctor-');
    const closed = await freePort();
    const run = await doctor(dataDir, { EXAMSITE_DONGLE: 'soft', EXAMSITE_PORT: String(await freePort()), EXAMSITE_CENTRE_URL: `http://127.0.0.1:${closed}` });
    const reach = run.line('监控平台连通');
    expect(reach.mark).to.equal('fail');
    expect(reach.detail).to.contain(`无法连接监控平台 http://127.0.0.1:${closed}`);
    expect(reach.advice).to.contain('centreUrl');
    expect(run.line('监控平台公钥').mark).to.equal('fail');
    expect(run.exitCode).to.equal(1);
  });

  it('a calibrated HID dongle passes device, calibration age and clock drift; a clock off by minutes is a warning', async () => {
    const dataDir = makeTempDir('examsite-doctor-');
    const transport = new FakeHidTransport();
    const device = new SimulatedHidDevice('KD-DOCTOR1');
    transport.plug(device);
    const [info] = await transport.list(0x1209, 0x4b44);
    const dongle = await HidDongle.open(transport, info);
    await dongle.calibrate(Date.now());
    await dongle.close();
    const env = { EXAMSITE_DONGLE: 'hid', EXAMSITE_PORT: String(await freePort()), EXAMSITE_CENTRE_URL: sim.url, EXAMSITE_CENTRE_KEYS: sim.keys };
    const dongleDeps = { loadHid: () => ({}), transport, platform: 'darwin' as const, libDirs: [], udevRuleDirs: [], now: Date.now };
    const good = await doctor(dataDir, env, { dongle: dongleDeps });
    expect(good.line('机考锁设备').mark, good.output).to.equal('pass');
    expect(good.line('机考锁设备').detail).to.contain('KD-DOCTOR1');
    expect(good.line('机考锁校时').mark).to.equal('pass');
    expect(good.line('电脑时钟偏差（对机考锁可信时钟）').mark).to.equal('pass');
    expect(good.exitCode, good.output).to.equal(0);

    const skewed = await doctor(dataDir, env, { dongle: { ...dongleDeps, now: () => Date.now() + 5 * 60_000 } });
    const drift = skewed.line('电脑时钟偏差（对机考锁可信时钟）');
    expect(drift.mark).to.equal('warn');
    expect(drift.detail).to.match(/电脑时钟比机考锁可信时钟快 (29\d|300)\.\d 秒/);
  });

  it('hid mode without a device or driver fails; on Linux the udev hint gives the exact rule for the configured VID/PID', async () => {
    const dataDir = makeTempDir('examsite-doctor-');
    const run = await doctor(dataDir, { EXAMSITE_DONGLE: 'hid', EXAMSITE_PORT: String(await freePort()) }, {
      dongle: {
        loadHid: () => {
          throw new Error('libudev.so.1: cannot open shared object file');
        },
        transport: new FakeHidTransport(),
        platform: 'linux',
        libDirs: [],
        udevRuleDirs: [],
        now: Date.now,
      },
    });
    expect(run.line('机考锁驱动').mark).to.equal('fail');
    expect(run.line('机考锁驱动').detail).to.contain('node-hid 无法加载').and.contain('libudev');
    expect(run.line('机考锁设备').mark).to.equal('fail');
    const udev = run.line('机考锁访问权限（hidraw / udev）');
    expect(udev.mark).to.equal('warn');
    expect(udev.advice).to.contain('SUBSYSTEM=="hidraw", ATTRS{idVendor}=="1209", ATTRS{idProduct}=="4b44", MODE="0660", TAG+="uaccess"');
    expect(run.exitCode).to.equal(1);
  });

  it('with the soft dongle the calibration age comes from the stored last calibration, read-only; a stale one is a warning', async () => {
    const dataDir = makeTempDir('examsite-doctor-');
    const db = new Database(path.join(dataDir, 'examsite.sqlite'));
    db.exec('CREATE TABLE core_setting (key varchar(64) PRIMARY KEY, value text NOT NULL, updatedAt varchar NOT NULL)');
    const stored = (tokenTime: string): void => {
      db.prepare('INSERT OR REPLACE INTO core_setting (key, value, updatedAt) VALUES (?, ?, ?)').run(
        'clock.lastCalibration',
        JSON.stringify({ at: tokenTime, source: 'online', tokenTime, dongleId: 'SOFT-1' }),
        tokenTime,
      );
    };
    const env = { EXAMSITE_DONGLE: 'soft', EXAMSITE_PORT: String(await freePort()) };
    stored(new Date(Date.now() - 2 * 3_600_000).toISOString());
    const fresh = await doctor(dataDir, env);
    expect(fresh.line('机考锁校时').mark).to.equal('pass');
    expect(fresh.line('机考锁校时').detail).to.contain('SOFT-1').and.contain('2.0 小时');
    stored(new Date(Date.now() - 30 * 3_600_000).toISOString());
    db.close();
    const bytes = fs.readFileSync(path.join(dataDir, 'examsite.sqlite'));
    const stale = await doctor(dataDir, env);
    expect(stale.line('机考锁校时').mark).to.equal('warn');
    expect(stale.line('机考锁校时').detail).to.contain('超过 24 小时');
    expect(fs.readFileSync(path.join(dataDir, 'examsite.sqlite')).equals(bytes)).to.equal(true);
  });

  it('low disk space of the data directory fails below the threshold and warns below the advised size', async () => {
    const dataDir = makeTempDir('examsite-doctor-');
    const env = { EXAMSITE_DONGLE: 'soft', EXAMSITE_PORT: String(await freePort()) };
    const tooSmall = await doctor(dataDir, env, { disk: { failBelowBytes: 1e6 * GIB, warnBelowBytes: 2e6 * GIB } });
    expect(tooSmall.line('数据目录磁盘空间').mark).to.equal('fail');
    expect(tooSmall.line('数据目录磁盘空间').advice).to.contain('EXAMSITE_DATA');
    const tight = await doctor(dataDir, env, { disk: { failBelowBytes: 1, warnBelowBytes: 2e6 * GIB } });
    expect(tight.line('数据目录磁盘空间').mark).to.equal('warn');
  });

  it('the FTP check says the collection plugin’s FTP settings are not in this build instead of skipping silently', async () => {
    const dataDir = makeTempDir('examsite-doctor-');
    const run = await doctor(dataDir, { EXAMSITE_DONGLE: 'soft', EXAMSITE_PORT: String(await freePort()) });
    const ftp = run.line('FTP 端口与被动端口范围');
    expect(ftp.mark).to.equal('warn');
    expect(ftp.detail).to.contain('plugins.collection');
  });
});

describe('npm run doctor: the collection plugin’s FTP checks (plugins/collection/api/doctor-checks.ts)', function () {
  this.timeout(20000);
  const builtPlugins = path.resolve(__dirname, '../../plugins');

  it('a taken FTP port and a taken passive port fail, each naming its plugins.collection setting', async () => {
    const dataDir = makeTempDir('examsite-doctor-');
    const ftpListener = net.createServer();
    const passiveListener = net.createServer();
    await new Promise<void>((resolve) => ftpListener.listen(0, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => passiveListener.listen(0, '127.0.0.1', resolve));
    const ftpPort = (ftpListener.address() as net.AddressInfo).port;
    const passive = (passiveListener.address() as net.AddressInfo).port;
    try {
      const run = await doctor(
        dataDir,
        { EXAMSITE_DONGLE: 'soft', EXAMSITE_PORT: String(await freePort()), EXAMSITE_COLLECTION_FTP_PORT: String(ftpPort) },
        { pluginsDir: builtPlugins, overrides: { plugins: { collection: { ftpPassivePorts: { min: passive - 2, max: passive + 2 } } } } },
      );
      expect(run.line('FTP 端口').mark).to.equal('fail');
      expect(run.line('FTP 端口').advice).to.contain(`端口 ${ftpPort} 已被其他程序占用`).and.contain('plugins.collection.ftpPort');
      const range = run.line('FTP 被动端口范围');
      expect(range.mark).to.equal('fail');
      expect(range.detail).to.contain(String(passive));
      expect(range.advice).to.contain('plugins.collection.ftpPassivePorts');
      expect(run.exitCode).to.equal(1);
    } finally {
      await new Promise((resolve) => ftpListener.close(resolve));
      await new Promise((resolve) => passiveListener.close(resolve));
    }
  });

  it('free FTP ports pass; a refused FTP setting is a failed check naming it', async () => {
    const dataDir = makeTempDir('examsite-doctor-');
    const base = await freePort();
    const env = { EXAMSITE_DONGLE: 'soft', EXAMSITE_PORT: String(await freePort()) };
    const good = await doctor(dataDir, { ...env, EXAMSITE_COLLECTION_FTP_PORT: '0' }, { pluginsDir: builtPlugins, overrides: { plugins: { collection: { ftpPassivePorts: { min: Math.max(base, 1024), max: Math.max(base, 1024) + 3 } } } } });
    expect(good.line('FTP 端口').mark).to.equal('pass');
    expect(good.line('FTP 被动端口范围').mark, good.output).to.equal('pass');
    expect(good.lines.map((l) => l.title)).not.to.include('FTP 端口与被动端口范围');
    const bad = await doctor(dataDir, env, { pluginsDir: builtPlugins, overrides: { plugins: { collection: { ftpPassivePorts: { min: 31000, max: 30000 } } } } });
    expect(bad.line('FTP 配置').mark).to.equal('fail');
    expect(bad.line('FTP 配置').detail).to.contain('plugins.collection.ftpPassivePorts');
  });
});
