import type { Logger } from 'pino';
import type { TrustedClock as TrustedClockType, CalibrationRecord } from '../clock/trusted-clock';
import { TrustedClock } from '../clock/trusted-clock';
import type { ExamSiteConfig } from '../config/config';
import { DongleService } from '../dongle/dongle-service';
import { dongleEvents, type HardwareEvents } from '../events/hardware-events';
import type { StatusService } from '../http/status';
import { SettingRow } from '../store/core-entities';
import type { Store } from '../store/store';

const CALIBRATION_KEY = 'clock.lastCalibration';

export function createDongleService(config: ExamSiteConfig, logger: Logger): DongleService {
  return new DongleService(
    {
      mode: config.dongle,
      vendorId: config.dongleVendorId,
      productId: config.dongleProductId,
      dataDir: config.dataDir,
      labOverride: config.labAllowSoftDongleFormal,
      pollMs: 1000,
    },
    { warn: (m) => logger.warn(m) },
  );
}

/** The trusted clock, with its last calibration kept in the database. */
export function createTrustedClock(config: ExamSiteConfig, dongles: DongleService, store: Store): TrustedClockType {
  const clock = new TrustedClock({
    dongles,
    trustedKeys: config.centreKeys,
    maxTokenAgeMinutes: config.timeTokenMaxAgeMinutes,
    maxTokenAheadMinutes: config.timeTokenMaxAheadMinutes,
    staleAfterMs: config.calibrationStaleHours * 3_600_000,
    store: {
      load: async () => {
        const row = await store.manager.findOneBy(SettingRow, { key: CALIBRATION_KEY });
        return row ? (JSON.parse(row.value) as CalibrationRecord) : null;
      },
      save: async (record) => {
        await store.write((em) => em.save(SettingRow, { key: CALIBRATION_KEY, value: JSON.stringify(record), updatedAt: new Date().toISOString() }));
      },
    },
  });
  // A plugged or unplugged dongle is read again at once, not after the cache expires.
  dongles.on('attached', () => clock.invalidate());
  dongles.on('removed', () => clock.invalidate());
  return clock;
}

/** Dongle presence → hardware-hook events, the log and the status bar. */
export function forwardDongleEvents(dongles: DongleService, hardware: HardwareEvents, status: StatusService, logger: Logger): void {
  dongles.on('attached', (d) => {
    logger.info(d, '机考锁已连接');
    hardware.emit(dongleEvents.attached, d);
    void status.publish();
  });
  dongles.on('removed', (d) => {
    logger.warn(d, '机考锁已移除');
    hardware.emit(dongleEvents.removed, d);
    void status.publish();
  });
  dongles.on('error', (e) => {
    logger.warn(e, '机考锁错误');
    hardware.emit(dongleEvents.error, e);
  });
}
