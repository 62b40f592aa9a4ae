import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTimeToken } from '../time-token';
import { TrustedClock } from '../trusted-clock';
import { generateSigningKeyPair } from '../../crypto/signing';
import { SoftDongle } from '../../dongle/soft-dongle';
import { withPcClockShift } from '../../testing/manual-clock';

const HOUR = 3_600_000;

/**
 * Issue 10 point 11: every other clock test injects a monotonic source. Here nothing is
 * injected — the software dongle and the trusted clock run on the production source — and the
 * PC clock (Date.now, new Date()) is moved by hours: trusted time must stay where it was.
 */
describe('clock: the production monotonic source does not follow the PC clock (issue 10 point 11)', () => {
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'examsite-mono-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const refreshMs of [0, 60_000]) {
    it(`trusted time stays on the dongle clock when the PC clock jumps ${refreshMs === 0 ? '(dongle read on every call)' : '(cached reading)'}`, async () => {
      const centre = generateSigningKeyPair();
      const dongle = await SoftDongle.open(dir);
      const clock = new TrustedClock({ dongles: { current: () => dongle }, trustedKeys: [centre.publicKey], refreshMs });
      const calibratedAt = Date.now();
      await clock.calibrateWithToken(createTimeToken({ time: calibratedAt, dongleId: dongle.id() }, centre.privateKeyPem), 'file');
      const first = (await clock.requireNow()).getTime();
      for (const shift of [2 * HOUR, -5 * HOUR, 30 * 24 * HOUR]) {
        const { trusted, pc } = await withPcClockShift(shift, async () => ({ trusted: (await clock.requireNow()).getTime(), pc: Date.now() }));
        expect(Math.abs(pc - Date.now() - shift), 'the PC clock was moved').to.be.below(1000);
        expect(trusted - first, `PC clock moved by ${shift / HOUR} h`).to.be.within(0, 5000);
        expect(Math.abs(trusted - Date.now()), `PC clock moved by ${shift / HOUR} h`).to.be.below(5000);
      }
      const reading = await withPcClockShift(2 * HOUR, () => clock.reading());
      expect(Math.abs(Date.parse(reading.trustedTime!) - Date.now())).to.be.below(5000);
      expect(reading.driftMs).to.be.within(2 * HOUR - 5000, 2 * HOUR + 5000);
    });
  }
});
