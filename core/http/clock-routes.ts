import { z } from 'zod';
import { randomBytes } from 'node:crypto';
import type { TrustedClock } from '../clock/trusted-clock';
import type { CentreClient } from '../centre/centre-client';
import type { DongleService } from '../dongle/dongle-service';
import type { HardwareEvents } from '../events/hardware-events';
import type { SiteSettings } from '../settings/site-settings';
import { AppError, badRequest } from './errors';
import type { PluginHttp } from './http-registry';
import type { AuthGuard } from './route';

const calibrationSchema = z.object({
  at: z.string(),
  source: z.enum(['online', 'file']),
  tokenTime: z.string(),
  dongleId: z.string(),
});

const clockReadingSchema = z
  .object({
    trustedTime: z.string().nullable(),
    pcTime: z.string(),
    driftMs: z.number().nullable().describe('电脑时间减可信时间（毫秒），正数表示电脑时钟偏快'),
    calibrated: z.boolean(),
    lastCalibration: calibrationSchema.nullable(),
    stale: z.boolean(),
    dongleId: z.string().nullable(),
    sinceCalibrationMs: z.number().nullable(),
    message: z.string().optional(),
  })
  .meta({ id: 'ClockReading' });

/** 机考锁校时 (R6.1): the trusted clock, and calibration from a centre time-token file. */
export function mountClockRoutes(d: {
  http: PluginHttp;
  guard: AuthGuard<unknown>;
  clock: TrustedClock;
  hardware: HardwareEvents;
  settings: SiteSettings;
  centre: CentreClient;
  dongles: DongleService;
}): void {
  d.http.route({
    method: 'post',
    path: '/clock/calibrate',
    summary: '在线机考锁校时：向监控平台申请签名的时间令牌并校准机考锁时钟',
    tags: ['机考锁校时'],
    guard: d.guard,
    response: clockReadingSchema,
    errors: { 502: '监控平台无法连接或应答无效', 503: '未检测到机考锁' },
    handler: async () => {
      const dongle = d.dongles.current();
      if (!dongle) throw new AppError(503, 'DONGLE_ABSENT', '未检测到机考锁，无法校时；请插入机考锁后重试');
      // A fresh nonce binds the centre's answer to this request: an old token cannot be replayed.
      const nonce = randomBytes(16).toString('base64url');
      const envelope = await d.centre.requestTimeToken({ dongleId: dongle.id(), nonce });
      const record = await d.clock.calibrateWithToken(envelope, 'online', nonce);
      d.hardware.emit('dongle.calibrated', { id: record.dongleId, time: record.tokenTime, source: 'online' });
      return d.clock.reading();
    },
  });

  d.http.route({
    method: 'get',
    path: '/clock',
    summary: '可信时间、与电脑时钟的偏差、上次校时',
    tags: ['机考锁校时'],
    guard: d.guard,
    response: clockReadingSchema,
    handler: () => d.clock.reading(),
  });

  d.http.route({
    method: 'post',
    path: '/clock/import',
    summary: '导入监控平台签发的校时文件（代替在另一台联网电脑上校时）',
    tags: ['机考锁校时'],
    guard: d.guard,
    body: { kind: 'raw', contentTypes: ['application/json', 'application/octet-stream'], maxBytes: 16 * 1024, description: '校时文件（JSON 签名信封）' },
    response: clockReadingSchema,
    errors: { 503: '未检测到机考锁' },
    handler: async ({ body }) => {
      let envelope: unknown;
      try {
        envelope = JSON.parse(body.toString('utf8'));
      } catch {
        throw badRequest('TOKEN_INVALID', '所选文件不是校时文件（无法解析），请选择从监控平台获取的校时文件');
      }
      const record = await d.clock.calibrateWithToken(envelope, 'file');
      d.hardware.emit('dongle.calibrated', { id: record.dongleId, time: record.tokenTime, source: 'file' });
      return d.clock.reading();
    },
  });
}
