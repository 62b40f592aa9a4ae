import { expect } from 'chai';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSigningKeyPair, signJson } from '../../crypto/signing';
import { DongleService } from '../../dongle/dongle-service';
import { FakeHidTransport, SimulatedHidDevice } from '../../dongle/fake-hid';
import { TrustedClock, createTimeToken, type CalibrationRecord, type CalibrationStore } from '../index';
import { expectTrustRejected } from '../../testing/expect-trust';

const T0 = Date.parse('2025-06-01T00:00:00.000Z');
const MIN = 60_000;
const HOUR = 60 * MIN;

describe('clock: TrustedClock', () => {
  const centre = generateSigningKeyPair();
  const stranger = generateSigningKeyPair();
  let dir: string;
  let dongles: DongleService;
  let mono: number;
  let pc: number;
  let saved: CalibrationRecord | null;
  let store: CalibrationStore;
  let clock: TrustedClock;
  let id: string;

  beforeEach(async () => {
    dir = await fsp.mkdtemp(join(tmpdir(), 'clock-'));
    mono = 5_000;
    pc = T0;
    saved = null;
    store = { load: async () => saved, save: async (r) => void (saved = r) };
    dongles = new DongleService(
      { mode: 'soft', vendorId: 1, productId: 1, dataDir: dir, labOverride: false, pollMs: 0 },
      { transport: new FakeHidTransport(), monotonic: () => mono, warn: () => undefined },
    );
    await dongles.start();
    id = dongles.current()!.id();
    clock = new TrustedClock({ dongles, trustedKeys: [centre.publicKey], pcNow: () => pc, store });
  });
  afterEach(async () => {
    await dongles.stop();
    await fsp.rm(dir, { recursive: true, force: true });
  });

  const token = (time: number, opts: { dongleId?: string; nonce?: string } = {}) =>
    createTimeToken({ time, dongleId: opts.dongleId ?? id, nonce: opts.nonce }, centre.privateKeyPem);

  it('is uncalibrated until a token arrives', async () => {
    expect(await clock.now()).to.equal(null);
    await expectTrustRejected(clock.requireNow(), 'CLOCK_UNCALIBRATED');
    const r = await clock.reading();
    expect(r).to.include({ calibrated: false, stale: true, trustedTime: null, driftMs: null, dongleId: id });
    expect(r.message).to.contain('尚未校时');
  });

  it('follows the dongle, not the PC clock; reports drift', async () => {
    const rec = await clock.calibrateWithToken(token(T0 - 2 * MIN), 'file');
    expect(rec).to.deep.equal({ at: new Date(T0).toISOString(), source: 'file', tokenTime: new Date(T0 - 2 * MIN).toISOString(), dongleId: id });
    expect(saved).to.deep.equal(rec);
    expect((await clock.now())!.getTime()).to.equal(T0 - 2 * MIN);

    mono += 30_000;
    expect((await clock.requireNow()).getTime()).to.equal(T0 - 2 * MIN + 30_000);
    pc += 2 * HOUR;
    expect((await clock.now())!.getTime()).to.equal(T0 - 2 * MIN + 30_000);
    let r = await clock.reading();
    expect(r.driftMs).to.equal(2 * HOUR + 2 * MIN - 30_000);
    expect(r).to.include({ calibrated: true, stale: false, sinceCalibrationMs: 30_000 });
    pc -= 4 * HOUR;
    expect((await clock.now())!.getTime()).to.equal(T0 - 2 * MIN + 30_000);
    r = await clock.reading();
    expect(r.driftMs).to.equal(-2 * HOUR + 2 * MIN - 30_000);
    expect(r.trustedTime).to.equal(new Date(T0 - 2 * MIN + 30_000).toISOString());
    expect(r.lastCalibration).to.deep.equal(rec);

    mono += 25 * HOUR;
    r = await clock.reading();
    expect(r.stale).to.equal(true);
    expect(r.message).to.contain('重新校时');
  });

  async function expectUnchanged(before: Date | null, beforeSaved: CalibrationRecord | null): Promise<void> {
    expect(await clock.now()).to.deep.equal(before);
    expect(saved).to.deep.equal(beforeSaved);
  }

  it('refuses expired, foreign, tampered, unknown-key, wrong-kind tokens and changes nothing', async () => {
    await expectTrustRejected(clock.calibrateWithToken(token(T0 - 11 * MIN), 'file'), 'TOKEN_EXPIRED');
    await expectUnchanged(null, null);

    await clock.calibrateWithToken(token(T0), 'online');
    mono += 1000;
    const before = await clock.now();
    const beforeSaved = saved;

    const foreign = await expectTrustRejected(clock.calibrateWithToken(token(T0 + 500, { dongleId: 'KD-9999' }), 'file'), 'TOKEN_FOREIGN_DONGLE');
    expect(foreign.message).to.contain(`此校时文件属于机考锁 KD-9999，当前机考锁为 ${id}`);

    const good = token(T0 + 500);
    const payload = JSON.parse(Buffer.from(good.payload, 'base64').toString()) as Record<string, unknown>;
    payload.time = new Date(T0 + 3 * HOUR).toISOString();
    const tampered = { ...good, payload: Buffer.from(JSON.stringify(payload)).toString('base64') };
    await expectTrustRejected(clock.calibrateWithToken(tampered, 'file'), 'SIGNATURE_INVALID');
    await expectTrustRejected(
      clock.calibrateWithToken(createTimeToken({ time: T0 + 500, dongleId: id }, stranger.privateKeyPem), 'file'),
      'KEY_UNKNOWN',
    );
    await expectTrustRejected(
      clock.calibrateWithToken(signJson({ kind: 'authorization', v: 1, time: new Date(T0).toISOString(), dongleId: id }, centre), 'file'),
      'TOKEN_INVALID',
    );
    await expectTrustRejected(clock.calibrateWithToken({ garbage: true }, 'file'), 'ENVELOPE_MALFORMED');
    await expectTrustRejected(clock.calibrateWithToken(token(T0 + 500, { nonce: 'n-1' }), 'online', 'n-2'), 'TOKEN_NONCE_MISMATCH');
    await expectUnchanged(before, beforeSaved);

    await clock.calibrateWithToken(token(T0 + 500, { nonce: 'n-2' }), 'online', 'n-2');
    expect((await clock.now())!.getTime()).to.equal(T0 + 500);
  });

  it('refuses a replayed token, also after a restart (persisted record)', async () => {
    const t = token(T0 - MIN);
    await clock.calibrateWithToken(t, 'file');
    mono += 10_000;
    const before = await clock.now();
    const e = await expectTrustRejected(clock.calibrateWithToken(t, 'file'), 'TOKEN_REPLAYED');
    expect(e.message).to.contain('旧文件');
    await expectTrustRejected(clock.calibrateWithToken(token(T0 - 2 * MIN), 'file'), 'TOKEN_REPLAYED');
    await expectUnchanged(before, saved);

    // Restart: a new soft dongle instance has no clock; the stored record still blocks replay.
    await dongles.stop();
    dongles = new DongleService(
      { mode: 'soft', vendorId: 1, productId: 1, dataDir: dir, labOverride: false, pollMs: 0 },
      { transport: new FakeHidTransport(), monotonic: () => mono, warn: () => undefined },
    );
    await dongles.start();
    expect(dongles.current()!.id()).to.equal(id);
    clock = new TrustedClock({ dongles, trustedKeys: [centre.publicKey], pcNow: () => pc, store });
    expect(await clock.now()).to.equal(null);
    expect((await clock.reading()).lastCalibration?.tokenTime).to.equal(new Date(T0 - MIN).toISOString());
    await expectTrustRejected(clock.calibrateWithToken(t, 'file'), 'TOKEN_REPLAYED');
    expect(await clock.now()).to.equal(null);
  });

  it('refuses a token dated far beyond the expected drift, so it cannot block later calibrations (issue 10 point 4)', async () => {
    // Uncalibrated: judged against the PC clock.
    const early = await expectTrustRejected(clock.calibrateWithToken(token(T0 + 11 * MIN), 'file'), 'TOKEN_FUTURE');
    expect(early.message).to.match(/晚了超过 10 分钟/).and.to.contain('重新获取校时文件');
    await expectUnchanged(null, null);
    await clock.calibrateWithToken(token(T0 + 9 * MIN), 'file');

    // Calibrated: judged against the dongle clock, with 100 ppm drift allowance per elapsed time.
    mono += 10 * 24 * HOUR;
    pc += 400 * 24 * HOUR; // the PC clock does not matter any more
    const trusted = (await clock.now())!.getTime();
    const before = saved;
    const far = token(trusted + 365 * 24 * HOUR);
    await expectTrustRejected(clock.calibrateWithToken(far, 'file'), 'TOKEN_FUTURE');
    // 10 min + 100 ppm of 10 days = 10 min + 86.4 s
    await expectTrustRejected(clock.calibrateWithToken(token(trusted + 10 * MIN + 87_000), 'file'), 'TOKEN_FUTURE');
    await expectUnchanged(await clock.now(), before);
    // The next genuine token still calibrates: the bad one did not become the replay floor.
    await clock.calibrateWithToken(token(trusted + 10 * MIN + 85_000), 'file');
    expect((await clock.now())!.getTime()).to.equal(trusted + 10 * MIN + 85_000);
  });

  it('judges token age on the trusted clock once calibrated, not on the PC clock', async () => {
    await clock.calibrateWithToken(token(T0), 'file');
    mono += 30 * MIN;
    pc = T0 - 5 * HOUR; // someone set the PC clock back
    // 15 minutes old by the trusted clock: refused although the PC clock calls it "future".
    await expectTrustRejected(clock.calibrateWithToken(token(T0 + 15 * MIN), 'file'), 'TOKEN_EXPIRED');
    expect((await clock.now())!.getTime()).to.equal(T0 + 30 * MIN);
    // 5 minutes old: accepted; the clock is set to the token time (no forward credit).
    await clock.calibrateWithToken(token(T0 + 25 * MIN), 'file');
    expect((await clock.now())!.getTime()).to.equal(T0 + 25 * MIN);
  });

  it('works with a HID dongle and refuses when the dongle is absent', async () => {
    const transport = new FakeHidTransport();
    const hid = new DongleService(
      { mode: 'hid', vendorId: transport.vendorId, productId: transport.productId, dataDir: dir, labOverride: false, pollMs: 0 },
      { transport, warn: () => undefined },
    );
    await hid.start();
    const c = new TrustedClock({ dongles: hid, trustedKeys: [centre.publicKey], pcNow: () => Date.now(), maxTokenAgeMinutes: 1 });
    await expectTrustRejected(c.calibrateWithToken(token(Date.now()), 'file'), 'DONGLE_ABSENT');
    expect((await c.reading()).message).to.contain('未检测到机考锁');
    transport.plug(new SimulatedHidDevice('KD-7777'));
    await hid.poll();
    const now = Date.now();
    await c.calibrateWithToken(createTimeToken({ time: now - 1000, dongleId: 'KD-7777' }, centre.privateKeyPem), 'file');
    const t = (await c.now())!.getTime();
    expect(t).to.be.within(now - 1000, now + 1000);
    await hid.stop();
  });
});
