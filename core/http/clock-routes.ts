import { z } from 'zod';
import type { TrustedClock } from '../clock/trusted-clock';
import type { HardwareEvents } from '../events/hardware-events';
import type { SiteSettings } from '../settings/site-settings';
import { badRequest } from './errors';
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
}): void {
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
