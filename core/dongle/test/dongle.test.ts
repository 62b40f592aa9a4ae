import { expect } from 'chai';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { wrapKeyForRecipient } from '../../crypto/wrap';
import {
  DongleService,
  FakeHidTransport,
  HID_REPORT_ID_REQUEST,
  HidProtocolError,
  ReportAssembler,
  SOFT_DONGLE_FILE,
  SimulatedHidDevice,
  SoftDongle,
  createNodeHidTransport,
  encodeReports,
  verifyDongleSignature,
  type DongleEvents,
  type DongleServiceConfig,
} from '../index';
import { expectTrustRejected } from '../../testing/expect-trust';

type Logged = { [K in keyof DongleEvents]: { event: K; payload: DongleEvents[K] } }[keyof DongleEvents];

async function tempDir(): Promise<string> {
  return fsp.mkdtemp(join(tmpdir(), 'dongle-'));
}

function record(service: DongleService): Logged[] {
  const log: Logged[] = [];
  service.on('attached', (payload) => log.push({ event: 'attached', payload }));
  service.on('removed', (payload) => log.push({ event: 'removed', payload }));
  service.on('error', (payload) => log.push({ event: 'error', payload }));
  return log;
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('dongle: HID report protocol', () => {
  it('chunks and reassembles long messages', () => {
    const payload = Buffer.alloc(1000, 3);
    payload[999] = 9;
    const reports = encodeReports(HID_REPORT_ID_REQUEST, 7, 0x05, payload);
    expect(reports).to.have.length(Math.ceil(1003 / 61));
    for (const r of reports) expect(r.length).to.equal(64);
    const a = new ReportAssembler(HID_REPORT_ID_REQUEST, 7);
    expect(a.push(Buffer.from([HID_REPORT_ID_REQUEST, 6, 0]))).to.equal('ignored');
    let out: ReturnType<ReportAssembler['push']> = 'more';
    for (const r of reports) out = a.push(r);
    expect(out).to.deep.equal({ code: 0x05, payload });
    const b = new ReportAssembler(HID_REPORT_ID_REQUEST, 7);
    expect(() => b.push(reports[1] as Buffer)).to.throw(HidProtocolError);
  });
});

describe('dongle: software dongle', () => {
  it('persists keys across instances (0600 file) but not its clock', async () => {
    const dir = await tempDir();
    let mono = 1000;
    const a = await SoftDongle.open(dir, { monotonic: () => mono });
    expect(a.id()).to.match(/^SOFT-[0-9A-F]{8}$/);
    const stat = await fsp.stat(join(dir, SOFT_DONGLE_FILE));
    if (process.platform !== 'win32') expect(stat.mode & 0o777).to.equal(0o600);
    expect((await fsp.readdir(dir)).filter((f) => f.endsWith('.tmp'))).to.have.length(0);

    expect(await a.readClock()).to.equal(null);
    await a.calibrate(1_700_000_000_000);
    mono += 2500;
    expect(await a.readClock()).to.deep.equal({ timeMs: 1_700_000_002_500, sinceCalibrationMs: 2500 });

    const b = await SoftDongle.open(dir, { monotonic: () => mono });
    expect(b.id()).to.equal(a.id());
    expect(b.publicKeys()).to.deep.equal(a.publicKeys());
    expect((await b.deriveKey('kdinfo|11003')).equals(await a.deriveKey('kdinfo|11003'))).to.equal(true);
    expect((await b.deriveKey('kdinfo|11004')).equals(await a.deriveKey('kdinfo|11003'))).to.equal(false);
    expect(await b.readClock()).to.equal(null);

    const challenge = Buffer.from('centre-challenge');
    expect(verifyDongleSignature(challenge, await b.sign(challenge), a.publicKeys().signing)).to.equal(true);
    const aad = Buffer.from('aad');
    const wrapped = wrapKeyForRecipient(Buffer.alloc(32, 1), a.publicKeys().wrapping, aad);
    expect((await b.unwrapKey(wrapped, aad)).equals(Buffer.alloc(32, 1))).to.equal(true);
    await expectTrustRejected(b.unwrapKey(wrapped, Buffer.from('x')), 'DECRYPT_FAILED');
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it('reports a corrupt key file in Chinese', async () => {
    const dir = await tempDir();
    await fsp.writeFile(join(dir, SOFT_DONGLE_FILE), '{"v":1');
    const e = await expectTrustRejected(SoftDongle.open(dir), 'DONGLE_SOFT_CORRUPT');
    expect(e.message).to.contain('已损坏');
    await fsp.rm(dir, { recursive: true, force: true });
  });
});

describe('dongle: DongleService', () => {
  let dir: string;
  let transport: FakeHidTransport;
  const services: DongleService[] = [];
  beforeEach(async () => {
    dir = await tempDir();
    transport = new FakeHidTransport();
  });
  afterEach(async () => {
    for (const s of services.splice(0)) await s.stop();
    await fsp.rm(dir, { recursive: true, force: true });
  });

  function service(mode: DongleServiceConfig['mode'], extra: Partial<DongleServiceConfig> = {}, warn?: (m: string) => void): DongleService {
    const s = new DongleService(
      { mode, vendorId: transport.vendorId, productId: transport.productId, dataDir: dir, labOverride: false, pollMs: 0, ...extra },
      { transport, warn: warn ?? (() => undefined), commandTimeoutMs: 150 },
    );
    services.push(s);
    return s;
  }

  it('soft dongle: refused for formal, allowed for mock, allowed with logged lab override', async () => {
    const s = service('soft');
    const log = record(s);
    await s.start();
    const st = s.status();
    expect(st).to.include({ present: true, kind: 'soft', label: '模拟机考锁' });
    expect(st.message).to.contain('模拟');
    expect(log).to.deep.equal([{ event: 'attached', payload: { id: st.id, kind: 'soft' } }]);
    expect(s.assertUsableFor('mock').kind).to.equal('soft');
    const e = await expectTrustRejected(Promise.resolve().then(() => s.assertUsableFor('formal')), 'DONGLE_SOFT_FORMAL');
    expect(e.message).to.equal('模拟机考锁不能用于正式考试，请插入机考锁');

    const warnings: string[] = [];
    const lab = service('soft', { labOverride: true }, (m) => warnings.push(m));
    await lab.start();
    expect(lab.assertUsableFor('formal').kind).to.equal('soft');
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.contain('实验室覆盖');
  });

  it('hid: absent, attach, commands, remove — with events', async () => {
    const s = service('hid');
    const log = record(s);
    await s.start();
    expect(s.status()).to.deep.equal({
      present: false, id: null, kind: null, label: null, message: '未检测到机考锁，请插入机考锁后重新启动',
    });
    await expectTrustRejected(Promise.resolve().then(() => s.assertUsableFor('formal')), 'DONGLE_ABSENT');

    const device = new SimulatedHidDevice('KD-0001');
    const path = transport.plug(device);
    await s.poll();
    expect(s.status()).to.deep.equal({ present: true, id: 'KD-0001', kind: 'hid', label: '机考锁' });
    expect(s.assertUsableFor('formal').id()).to.equal('KD-0001');
    const d = s.current()!;
    expect(d.publicKeys()).to.deep.equal({ signing: device.signing.publicKey, wrapping: device.wrapping.publicKey });

    expect(await d.readClock()).to.equal(null);
    await d.calibrate(1_700_000_000_000);
    const c = await d.readClock();
    expect(c!.timeMs).to.be.within(1_700_000_000_000, 1_700_000_001_000);
    const challenge = Buffer.alloc(300, 9);
    expect(verifyDongleSignature(challenge, await d.sign(challenge), device.signing.publicKey)).to.equal(true);
    const k1 = await d.deriveKey('kdinfo|11003');
    expect(k1.length).to.equal(32);
    expect((await d.deriveKey('kdinfo|11003')).equals(k1)).to.equal(true);
    const aad = Buffer.alloc(200, 4);
    const wrapped = wrapKeyForRecipient(Buffer.alloc(32, 2), device.wrapping.publicKey, aad);
    expect((await d.unwrapKey(wrapped, aad)).equals(Buffer.alloc(32, 2))).to.equal(true);
    await expectTrustRejected(d.unwrapKey(wrapped, Buffer.from('other')), 'DECRYPT_FAILED');
    expect(d.present()).to.equal(true);

    transport.unplug(path);
    await s.poll();
    expect(s.status().present).to.equal(false);
    expect(d.present()).to.equal(false);
    await expectTrustRejected(d.readClock(), 'DONGLE_IO');
    expect(log).to.deep.equal([
      { event: 'attached', payload: { id: 'KD-0001', kind: 'hid' } },
      { event: 'removed', payload: { id: 'KD-0001', kind: 'hid' } },
    ]);
  });

  it('hid: a read error mid-command rejects with DONGLE_IO, flips presence, never crashes', async () => {
    const s = service('hid');
    const log = record(s);
    transport.plug(new SimulatedHidDevice('KD-0002'));
    await s.start();
    const d = s.current()!;
    transport.failReads = 1;
    const e = await expectTrustRejected(d.readClock(), 'DONGLE_IO');
    expect(e.message).to.contain('机考锁通信失败');
    expect(s.status().present).to.equal(false);
    expect(log.map((l) => l.event)).to.deep.equal(['attached', 'error', 'removed']);
    // Still plugged in: the next scan opens it again.
    await tick();
    await s.poll();
    expect(s.status()).to.include({ present: true, id: 'KD-0002' });
    expect(log.map((l) => l.event)).to.deep.equal(['attached', 'error', 'removed', 'attached']);
  });

  it('hid: unplug during a command times out or fails cleanly', async () => {
    const s = service('hid');
    const path = transport.plug(new SimulatedHidDevice('KD-0003'));
    await s.start();
    const d = s.current()!;
    transport.silent = true;
    const pending = d.sign(Buffer.from('x'));
    transport.unplug(path);
    await expectTrustRejected(pending, 'DONGLE_IO');
    transport.silent = false;
    await s.poll();
    expect(s.status().present).to.equal(false);

    const path2 = transport.plug(new SimulatedHidDevice('KD-0004'));
    await s.poll();
    transport.silent = true;
    await expectTrustRejected(s.current()!.readClock(), 'DONGLE_IO');
    expect(s.current()).to.equal(null);
    transport.silent = false;
    transport.unplug(path2);
  });

  it('hid: a missing driver (node-hid failing to load) is reported once, never thrown', async () => {
    const s = service('hid');
    const log = record(s);
    const failing = createNodeHidTransport(() => {
      throw new Error('libusb-1.0.so.0: cannot open shared object file');
    });
    await expectTrustRejected(failing.list(1, 2), 'DONGLE_IO');
    transport.loadError = await failing.list(1, 2).then(() => null, (e: Error) => e);
    await s.start();
    await s.poll();
    await s.poll();
    const st = s.status();
    expect(st.present).to.equal(false);
    expect(st.message).to.contain('libusb');
    expect(st.message).to.contain('请插入机考锁');
    expect(log.filter((l) => l.event === 'error')).to.have.length(1);
  });

  it('auto: soft while no HID dongle, HID when plugged, soft again after unplug', async () => {
    const s = service('auto');
    const log = record(s);
    await s.start();
    expect(s.status().kind).to.equal('soft');
    const softId = s.status().id;
    const path = transport.plug(new SimulatedHidDevice('KD-0005'));
    await s.poll();
    expect(s.status()).to.include({ kind: 'hid', id: 'KD-0005', label: '机考锁' });
    transport.unplug(path);
    await s.poll();
    expect(s.status()).to.include({ kind: 'soft', id: softId });
    expect(log).to.deep.equal([
      { event: 'attached', payload: { id: softId, kind: 'soft' } },
      { event: 'removed', payload: { id: softId, kind: 'soft' } },
      { event: 'attached', payload: { id: 'KD-0005', kind: 'hid' } },
      { event: 'removed', payload: { id: 'KD-0005', kind: 'hid' } },
      { event: 'attached', payload: { id: softId, kind: 'soft' } },
    ]);
  });

  it('a throwing event listener does not break polling', async () => {
    const warnings: string[] = [];
    const s = service('hid', {}, (m) => warnings.push(m));
    s.on('attached', () => {
      throw new Error('listener bug');
    });
    transport.plug(new SimulatedHidDevice('KD-0006'));
    await s.start();
    expect(s.status().present).to.equal(true);
    expect(warnings[0]).to.contain('listener bug');
  });

  it('polls on a timer and stops cleanly', async () => {
    const s = service('hid', { pollMs: 20 });
    const log = record(s);
    await s.start();
    transport.plug(new SimulatedHidDevice('KD-0007'));
    await new Promise((r) => setTimeout(r, 100));
    expect(log.map((l) => l.event)).to.deep.equal(['attached']);
    await s.stop();
  });
});
