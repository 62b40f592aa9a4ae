import { z } from 'zod';
import { randomBytes } from 'node:crypto';
import type { TrustedClock } from '../clock/trusted-clock';
import type { CentreClient } from '../centre/centre-client';
import { coreCentreEndpoints } from '../centre/core-endpoints';
import type { DongleService } from '../dongle/dongle-service';
import type { Dongle } from '../dongle/dongle';
import { dongleEvents, type HardwareEvents } from '../events/hardware-events';
import type { SiteSettings } from '../settings/site-settings';
import { AppError, badRequest } from './errors';
import type { PluginHttp } from './http-registry';
import { CENTRE_CALL_ERRORS, refusal, trustErrors } from './error-catalog';
import { mergeErrorResponses, type AuthGuard } from './route';
import { instantSchema } from '../time/instant';

/** What calibrating with a time token can refuse (core/clock/trusted-clock.ts, time-token.ts). */
const CALIBRATION_ERRORS = trustErrors(
  'DONGLE_ABSENT',
  'DONGLE_IO',
  'TOKEN_INVALID',
  'TOKEN_EXPIRED',
  'TOKEN_FOREIGN_DONGLE',
  'TOKEN_REPLAYED',
  'TOKEN_NONCE_MISMATCH',
  'ENVELOPE_MALFORMED',
  'KEY_UNKNOWN',
  'SIGNATURE_INVALID',
  'TRUSTED_KEY_INVALID',
);

const calibrationSchema = z.object({
  at: instantSchema,
  source: z.enum(['online', 'file']),
  tokenTime: instantSchema,
  dongleId: z.string(),
});

const clockReadingSchema = z
  .object({
    trustedTime: instantSchema.nullable(),
    pcTime: instantSchema,
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
  const currentDongle = (): Dongle => {
    const dongle = d.dongles.current();
    if (!dongle) throw new AppError(503, 'DONGLE_ABSENT', '未检测到机考锁；请插入机考锁后重试');
    return dongle;
  };

  d.http.route({
    method: 'get',
    path: '/dongle',
    operationId: 'getDongle',
    summary: '机考锁信息：编号、类型与公钥（用于机考锁注册）',
    tags: ['机考锁校时'],
    guard: d.guard,
    response: z
      .object({ id: z.string(), kind: z.enum(['hid', 'soft']), label: z.string(), signingPublicKey: z.string(), wrappingPublicKey: z.string() })
      .meta({ id: 'DongleInfo' }),
    errors: { 503: refusal('未检测到机考锁', 'DONGLE_ABSENT') },
    handler: () => {
      const dongle = currentDongle();
      const keys = dongle.publicKeys();
      return {
        id: dongle.id(),
        kind: dongle.kind,
        label: dongle.kind === 'soft' ? '模拟机考锁' : '机考锁',
        signingPublicKey: keys.signing,
        wrappingPublicKey: keys.wrapping,
      };
    },
  });

  d.http.route({
    method: 'post',
    path: '/dongle/register',
    operationId: 'registerDongle',
    summary: '机考锁注册：向监控平台登记本机考锁的公钥（手册 1.2 步骤四）',
    tags: ['机考锁校时'],
    guard: d.guard,
    response: z.object({ registered: z.literal(true), dongleId: z.string(), registeredAt: instantSchema }),
    errors: mergeErrorResponses(CENTRE_CALL_ERRORS, { 409: refusal('尚未设置考点代码', 'SITE_CODE_MISSING'), 503: refusal('未检测到机考锁', 'DONGLE_ABSENT') }),
    handler: async () => {
      const siteCode = d.settings.get().siteCode;
      if (!siteCode) throw new AppError(409, 'SITE_CODE_MISSING', '请先在“系统设置”中填写考点代码，再进行机考锁注册');
      const dongle = currentDongle();
      const keys = dongle.publicKeys();
      return d.centre.call(coreCentreEndpoints.registerDongle, { dongleId: dongle.id(), signingPublicKey: keys.signing, wrappingPublicKey: keys.wrapping, siteCode });
    },
  });

  d.http.route({
    method: 'post',
    path: '/clock/calibrate',
    operationId: 'calibrateClockOnline',
    summary: '在线机考锁校时：向监控平台申请签名的时间令牌并校准机考锁时钟',
    tags: ['机考锁校时'],
    guard: d.guard,
    response: clockReadingSchema,
    errors: mergeErrorResponses(CENTRE_CALL_ERRORS, CALIBRATION_ERRORS),
    handler: async () => {
      const dongle = currentDongle();
      // A fresh nonce binds the centre's answer to this request: an old token cannot be replayed.
      const nonce = randomBytes(16).toString('base64url');
      const { envelope } = await d.centre.call(coreCentreEndpoints.timeToken, { dongleId: dongle.id(), nonce });
      const record = await d.clock.calibrateWithToken(envelope, 'online', nonce);
      d.hardware.emit(dongleEvents.calibrated, { id: record.dongleId, time: record.tokenTime, source: 'online' });
      return d.clock.reading();
    },
  });

  d.http.route({
    method: 'get',
    path: '/clock',
    operationId: 'getClock',
    summary: '可信时间、与电脑时钟的偏差、上次校时',
    tags: ['机考锁校时'],
    guard: d.guard,
    response: clockReadingSchema,
    handler: () => d.clock.reading(),
  });

  d.http.route({
    method: 'post',
    path: '/clock/import',
    operationId: 'importClockToken',
    summary: '导入监控平台签发的校时文件（代替在另一台联网电脑上校时）',
    tags: ['机考锁校时'],
    guard: d.guard,
    body: { kind: 'raw', contentTypes: ['application/json', 'application/octet-stream'], maxBytes: 16 * 1024, description: '校时文件（JSON 签名信封）' },
    response: clockReadingSchema,
    errors: CALIBRATION_ERRORS,
    handler: async ({ body }) => {
      let envelope: unknown;
      try {
        envelope = JSON.parse(body.toString('utf8'));
      } catch {
        throw badRequest('TOKEN_INVALID', '所选文件不是校时文件（无法解析），请选择从监控平台获取的校时文件');
      }
      const record = await d.clock.calibrateWithToken(envelope, 'file');
      d.hardware.emit(dongleEvents.calibrated, { id: record.dongleId, time: record.tokenTime, source: 'file' });
      return d.clock.reading();
    },
  });
}
