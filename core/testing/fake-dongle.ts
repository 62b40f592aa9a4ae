import { DongleService } from '../dongle/dongle-service';
import { FakeHidTransport } from '../dongle/fake-hid';
import { rootService, type CoreServiceFactory } from '../kernel/kernel';
import { coreServices } from '../services';
import { ManualMonotonicClock } from './manual-clock';

export interface FakeDongleOptions {
  /** soft (default): the software dongle on `clock`; hid: only devices plugged into `hid`. */
  readonly mode?: 'soft' | 'hid' | 'auto';
  /** Lab override: lets the software dongle pass for a formal exam. */
  readonly labOverride?: boolean;
  readonly clock?: ManualMonotonicClock;
  /** HID command deadline (ms); short in tests that unplug mid-command. */
  readonly commandTimeoutMs?: number;
}

/**
 * A real DongleService whose hardware and time the test controls: the software dongle's
 * clock runs on `clock` (advance it by hand), HID devices are plugged into `hid`
 * (`hid.plug(new SimulatedHidDevice(...))`, then `await service.poll()`; nothing polls on
 * a timer). Its keys live in the test server's data directory.
 */
export class FakeDongle {
  readonly clock: ManualMonotonicClock;
  readonly hid: FakeHidTransport;
  private service: DongleService | null = null;

  constructor(private readonly options: FakeDongleOptions = {}) {
    this.clock = options.clock ?? new ManualMonotonicClock();
    this.hid = new FakeHidTransport();
  }

  /** For `startTestServer({ coreServiceOverrides: [fake.override] })` (or `fakes: { dongle }`). */
  get override(): CoreServiceFactory {
    return rootService(coreServices.dongle, { cfg: coreServices.config }, ({ cfg }) => {
      this.service = new DongleService(
        {
          mode: this.options.mode ?? 'soft',
          vendorId: this.hid.vendorId,
          productId: this.hid.productId,
          dataDir: cfg.dataDir,
          labOverride: this.options.labOverride ?? false,
          pollMs: 0,
        },
        { transport: this.hid, monotonic: this.clock.now, warn: () => undefined, commandTimeoutMs: this.options.commandTimeoutMs },
      );
      return this.service;
    });
  }

  /** The service the host made from `override` (after the server started). */
  get dongles(): DongleService {
    if (!this.service) throw new Error('FakeDongle: the server has not created the dongle service yet');
    return this.service;
  }
}
