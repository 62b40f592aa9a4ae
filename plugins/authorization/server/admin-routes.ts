import type { AdminAuthService } from '../../../core/auth/admin-auth';
import { CENTRE_CALL_ERRORS, DONGLE_ERRORS, refusal, trustErrors } from '../../../core/http/error-catalog';
import type { PluginHttp } from '../../../core/http/http-registry';
import { mergeErrorResponses } from '../../../core/http/route';
import type { SiteSettings } from '../../../core/settings/site-settings';
import { MAX_PTQ_BYTES, MAX_VERIFICATION_BYTES } from '../api';
import {
  calibrationAdviceSchema,
  downloadOutcomeSchema,
  importOutcomeSchema,
  importQuerySchema,
  sessionNoParamSchema,
  sessionTableSchema,
  verificationOutcomeSchema,
} from './authorization-schemas';
import type { AuthorizationService } from './authorization-service';

const TAG_AUTH = '考试授权';
const TAG_VERIFY = '授权验证';
const FILE_TYPES = ['application/octet-stream', 'application/json'];

/** What every authorization step can refuse: the site's preconditions and the signed envelope (authorization-service.ts). */
const COMMON_ERRORS = mergeErrorResponses(
  DONGLE_ERRORS,
  trustErrors('ENVELOPE_MALFORMED', 'KEY_UNKNOWN', 'SIGNATURE_INVALID', 'TRUSTED_KEY_INVALID', 'DECRYPT_FAILED', 'WRAPPED_KEY_MALFORMED'),
  {
    404: refusal('考务数据中没有该场次', 'SESSION_UNKNOWN'),
    409: refusal('尚未设置考点代码、尚未载入考务数据，或授权刚被更新/初始化', 'SITE_CODE_MISSING', 'EXAM_DATA_MISSING', 'AUTHORIZATION_CHANGED', 'AUTHORIZATION_CLEARED'),
  },
);

const AUTHORIZATION_IMPORT_ERRORS = mergeErrorResponses(
  COMMON_ERRORS,
  trustErrors(
    // signed-file-reader.ts: `<prefix>_INVALID`, `<prefix>_FORMAT_UNSUPPORTED`.
    'AUTHORIZATION_INVALID', 'AUTHORIZATION_FORMAT_UNSUPPORTED',
    'AUTHORIZATION_EXPIRED', 'AUTHORIZATION_FOREIGN_DONGLE', 'AUTHORIZATION_FOREIGN_SITE', 'AUTHORIZATION_KEY_INVALID', 'AUTHORIZATION_KEY_MISMATCH',
    'AUTHORIZATION_PACKAGE_MISMATCH', 'AUTHORIZATION_REPLAYED', 'AUTHORIZATION_WINDOW_MISMATCH', 'AUTHORIZATION_WRONG_MODE', 'AUTHORIZATION_WRONG_SESSION',
  ),
);

const VERIFICATION_ERRORS = mergeErrorResponses(
  COMMON_ERRORS,
  trustErrors(
    'VERIFICATION_FORMAT_UNSUPPORTED',
    'CLOCK_UNCALIBRATED', 'SESSION_NOT_AUTHORIZED', 'AUTHORIZATION_EXPIRED', 'VERIFICATION_FOREIGN_AUTHORIZATION', 'VERIFICATION_FOREIGN_DONGLE',
    'VERIFICATION_FOREIGN_SITE', 'VERIFICATION_INVALID', 'VERIFICATION_TOO_EARLY', 'VERIFICATION_TOO_LATE', 'VERIFICATION_WRONG_MODE', 'VERIFICATION_WRONG_SESSION',
    'AUTHORIZATION_KEY_INVALID', 'AUTHORIZATION_KEY_MISMATCH',
  ),
);

/** Admin API of 考试授权 (R4) and 授权验证 (R6.2), under /api/authorization. */
export function mountAdminRoutes(http: PluginHttp, d: { auth: AdminAuthService; service: AuthorizationService; settings: SiteSettings; leadMinutes: number }): void {
  const { service, settings } = d;
  const guard = d.auth.guard;

  http.route({
    method: 'get',
    path: '/sessions',
    operationId: 'listAuthorizationSessions',
    summary: '场次明细：场次 · 场次名称 · 开考时间 · 考试时长 · 考试授权状态 · 授权验证状态',
    tags: [TAG_AUTH],
    guard,
    response: sessionTableSchema,
    handler: async () => {
      const sessions = await service.list();
      const s = settings.get();
      return { siteCode: s.siteCode, mode: s.mode, dataLoaded: sessions.length > 0, verificationLeadMinutes: d.leadMinutes, sessions };
    },
  });

  http.route({
    method: 'post',
    path: '/download',
    operationId: 'downloadAuthorizations',
    summary: '考试授权：从监控平台下载每个场次的授权',
    description: '逐场次下载并校验；失败的场次在 results 中给出原因（此时请用 POST /api/authorization/import 手工导入 .PTQ）。',
    tags: [TAG_AUTH],
    guard,
    response: downloadOutcomeSchema,
    errors: COMMON_ERRORS,
    handler: async ({ principal }) => {
      const results = await service.downloadAll(principal.username);
      const sessions = await service.list();
      const allAuthorized = sessions.length > 0 && sessions.every((s) => s.authorized);
      const failed = results.filter((r) => !r.ok);
      // A step to do first is said once (the same for every session), not as a download failure.
      const firstStep = failed.find((r) => r.goTo);
      const message =
        failed.length === 0 ? '考试授权成功' : firstStep?.message ?? `${failed.length} 个场次的考试授权下载失败，请手工导入对应场次的考试授权 .PTQ 文件`;
      return { message, allAuthorized, results, sessions };
    },
  });

  http.route({
    method: 'post',
    path: '/import',
    operationId: 'importAuthorization',
    summary: '手工导入一个场次的考试授权文件（.PTQ，原始字节）',
    tags: [TAG_AUTH],
    guard,
    query: importQuerySchema,
    body: { kind: 'raw', contentTypes: FILE_TYPES, maxBytes: MAX_PTQ_BYTES, description: '.PTQ 文件（监控平台签名的 JSON 信封）' },
    response: importOutcomeSchema,
    errors: AUTHORIZATION_IMPORT_ERRORS,
    handler: async ({ body, query, principal }) => {
      const outcome = await service.importAuthorization(body, 'file', principal.username, query.session);
      return { message: outcome.unchanged ? `第 ${outcome.session.sessionNo} 场次已是此授权，无需重复导入` : '考试授权成功', ...outcome };
    },
  });

  http.route({
    method: 'post',
    path: '/sessions/:no/verify',
    operationId: 'verifySessionOnline',
    summary: '授权验证（在线）：向监控平台申请本场次的授权验证',
    description: '只有在机考锁可信时间处于本场次的验证时段（开考前提前量至考试结束）内才能通过；失败为网络原因时请导入授权验证文件。',
    tags: [TAG_VERIFY],
    guard,
    params: sessionNoParamSchema,
    response: verificationOutcomeSchema,
    errors: mergeErrorResponses(CENTRE_CALL_ERRORS, VERIFICATION_ERRORS),
    handler: async ({ params, principal }) => ({
      message: '授权验证成功',
      session: await service.verifyOnline(params.no, principal.username),
    }),
  });

  http.route({
    method: 'post',
    path: '/sessions/:no/verification/import',
    operationId: 'importSessionVerification',
    summary: '授权验证（离线）：导入本场次的授权验证文件',
    tags: [TAG_VERIFY],
    guard,
    params: sessionNoParamSchema,
    body: { kind: 'raw', contentTypes: FILE_TYPES, maxBytes: MAX_VERIFICATION_BYTES, description: '授权验证文件（监控平台签名的 JSON 信封）' },
    response: verificationOutcomeSchema,
    errors: VERIFICATION_ERRORS,
    handler: async ({ params, body, principal }) => ({
      message: '授权验证成功',
      session: await service.importVerification(params.no, body, 'file', principal.username),
    }),
  });

  http.route({
    method: 'get',
    path: '/calibration',
    operationId: 'getCalibrationAdvice',
    summary: '机考锁校时提示：上次校时、偏差，以及临近场次时未校时或校时过久的警告',
    tags: [TAG_VERIFY],
    guard,
    response: calibrationAdviceSchema,
    handler: () => service.calibrationAdvice(),
  });
}
