import { expect } from 'chai';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSigningKeyPair } from '../../crypto/signing';
import type { Dongle } from '../../dongle/dongle';
import { DongleService, type DongleProvider } from '../../dongle/dongle-service';
import { FakeHidTransport, SimulatedHidDevice } from '../../dongle/fake-hid';
import { expectTrustRejected } from '../../testing/expect-trust';
import { TrustedClock, createTimeToken } from '../index';

const MIN = 60_000;

/** Counts the dongle's clock reads (each one is a HID round trip on hardware). */
function countingProvider(inner: DongleProvider): { provider: DongleProvider; reads: () => number } {
  let reads = 0;
  const wrapped = new WeakMap<Dongle, Dongle>();
  const provider: DongleProvider = {
    current: () => {
      const d = inner.current();
      if (!d) return null;
      let w = wrapped.get(d);
      if (!w) {
        w = new Proxy(d, {
          get(target, prop) {
            if (prop === 'readClock') {
              return () => {
                reads++;
                return target.readClock();
              };
            }
            const value: unknown = Reflect.get(target, prop, target);
            return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
          },
        });
        wrapped.set(d, w);
      }
      return w;
    },
  };
  return { provider, reads: () => reads };
}

describe('clock: TrustedClock cache — trusted time without a HID round trip per call (issue 9 point 3)', () => {
  const centre = generateSigningKeyPair();
  let dir: string;

  beforeEach(async () => {
    dir = await fsp.mkdtemp(join(tmpdir(), 'clock-cache-'));
  });
  afterEach(async () => {
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it('serves now() from the monotonic clock between re-reads of the dongle, every refreshMs', async () => {
    let mono = 1_000;
    const dongles = new DongleService(
      { mode: 'soft', vendorId: 1, productId: 1, dataDir: dir, labOverride: false, pollMs: 0 },
      { transport: new FakeHidTransport(), monotonic: () => mono, warn: () => undefined },
    );
    await dongles.start();
    const { provider, reads } = countingProvider(dongles);
    const clock = new TrustedClock({ dongles: provider, trustedKeys: [centre.publicKey], refreshMs: 5000 });
    const t0 = Date.now() - MIN;
    await clock.calibrateWithToken(createTimeToken({ time: t0, dongleId: dongles.current()!.id() }, centre.privateKeyPem), 'file');
    const before = reads();
    for (let i = 0; i < 1000; i++) {
      mono += 4; // 4 s in all: within one refresh window
      expect((await clock.now())!.getTime()).to.equal(t0 + (i + 1) * 4);
    }
    expect(reads() - before, 'one dongle read for 1000 calls').to.equal(1);
    mono += 1100; // past the window (the first read was at +4 ms): read again
    expect((await clock.now())!.getTime()).to.equal(t0 + 5100);
    expect(reads() - before).to.equal(2);
    // Callers that find the cache expired together share one read.
    mono += 6000;
    await Promise.all(Array.from({ length: 50 }, () => clock.now()));
    expect(reads() - before).to.equal(3);
    await dongles.stop();
  });

  it('answers null / DONGLE_ABSENT at once when the dongle is unplugged, and reads a new dongle afresh', async () => {
    const transport = new FakeHidTransport();
    const hid = new DongleService(
      { mode: 'hid', vendorId: transport.vendorId, productId: transport.productId, dataDir: dir, labOverride: false, pollMs: 0 },
      { transport, warn: () => undefined },
    );
    await hid.start();
    const clock = new TrustedClock({ dongles: hid, trustedKeys: [centre.publicKey], refreshMs: 60_000 });
    hid.on('removed', () => clock.invalidate());
    const path = transport.plug(new SimulatedHidDevice('KD-1001'));
    await hid.poll();
    await clock.calibrateWithToken(createTimeToken({ time: Date.now(), dongleId: 'KD-1001' }, centre.privateKeyPem), 'file');
    expect(await clock.now()).not.to.equal(null);

    transport.unplug(path);
    await hid.poll();
    expect(await clock.now(), 'no cached time without a dongle').to.equal(null);
    await expectTrustRejected(clock.requireNow(), 'DONGLE_ABSENT');

    // Another, uncalibrated dongle: the old offset must not carry over to it.
    transport.plug(new SimulatedHidDevice('KD-1002'));
    await hid.poll();
    expect(await clock.now()).to.equal(null);
    await expectTrustRejected(clock.requireNow(), 'CLOCK_UNCALIBRATED');
    await hid.stop();
  });

  it('follows the dongle, not the PC clock, and a drifting host clock is corrected at each re-read', async () => {
    let deviceMono = 0; // the dongle's crystal
    let hostMono = 0; // this PC's monotonic clock, running 1 % slow
    const transport = new FakeHidTransport();
    const hid = new DongleService(
      { mode: 'hid', vendorId: transport.vendorId, productId: transport.productId, dataDir: dir, labOverride: false, pollMs: 0 },
      { transport, warn: () => undefined },
    );
    await hid.start();
    transport.plug(new SimulatedHidDevice('KD-2001', () => deviceMono));
    await hid.poll();
    const t0 = Date.now();
    // Right while calibrating (an uncalibrated dongle's token is judged on the PC clock), 1970 after.
    let pc = t0;
    const clock = new TrustedClock({ dongles: hid, trustedKeys: [centre.publicKey], refreshMs: 5000, monotonic: () => hostMono, pcNow: () => pc });
    await clock.calibrateWithToken(createTimeToken({ time: t0, dongleId: 'KD-2001' }, centre.privateKeyPem), 'file');
    pc = 0;
    const step = (ms: number): void => {
      deviceMono += ms;
      hostMono += ms * 0.99;
    };
    expect((await clock.now())!.getTime()).to.equal(t0);
    step(4000);
    // Between re-reads the error is the host's drift over the window at most.
    expect(Math.abs((await clock.now())!.getTime() - (t0 + 4000))).to.be.at.most(40);
    step(2000);
    // Re-read: exactly the dongle's time again, whatever the PC clock says (pcNow is 1970).
    expect((await clock.now())!.getTime()).to.equal(t0 + 6000);
    expect((await clock.reading()).driftMs).to.equal(0 - (t0 + 6000));
    await hid.stop();
  });
});
