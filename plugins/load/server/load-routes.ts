import { z } from 'zod';
import type { AdminPrincipal } from '../../../core/auth/admin-auth';
import { mergeErrorResponses, type AuthGuard } from '../../../core/http/route';
import { DISK_WRITE_ERRORS, refusal, trustErrors } from '../../../core/http/error-catalog';
import type { PluginHttp } from '../../../core/http/http-registry';
import { notFound } from '../../../core/http/errors';
import type { SiteSettings } from '../../../core/settings/site-settings';
import { roomCodeSchema, type PackageLimits } from '../api/package-format';
import { renderDoorSheet } from './door-sheet';
import type { ExamDataStore } from './exam-data-store';
import type { LoadService } from './load-service';
import { instantSchema } from '../../../core/time/instant';

const roomRowSchema = z.object({
  roomCode: z.string().describe('考场代码'),
  roomName: z.string(),
  sessionCount: z.number().int().describe('场次数'),
  candidateCount: z.number().int(),
  loadedAt: instantSchema.describe('数据载入时间'),
  verified: z.boolean().describe('是否通过校验'),
  verifiedAt: instantSchema.nullable().describe('校验通过的时间'),
});

const roomsResponseSchema = z
  .object({
    rooms: z.array(roomRowSchema),
    release: z
      .object({
        siteCode: z.string(),
        mode: z.enum(['formal', 'mock']),
        releaseTime: instantSchema.describe('考场数据发布时间'),
        loadedAt: instantSchema,
        manualImportAt: instantSchema.nullable().describe('手工导入时间'),
        verified: z.boolean(),
        verifiedAt: instantSchema.nullable(),
        checkMessage: z.string().nullable().describe('最近一次校验未通过的原因'),
      })
      .nullable(),
  })
  .meta({ id: 'LoadRooms' });

const checkSchema = z.object({ verified: z.boolean(), verifiedAt: instantSchema.nullable(), message: z.string().nullable() }).meta({ id: 'LoadCheck' });

const importResponseSchema = z
  .object({
    roomCount: z.number().int(),
    keptRegistrationCodes: z.number().int().describe('沿用原注册码的考场数'),
    releaseTime: instantSchema,
  })
  .meta({ id: 'LoadImport' });

const downloadResponseSchema = importResponseSchema
  .extend({ imported: z.boolean().describe('false：监控平台的数据包即已载入的数据'), check: checkSchema })
  .meta({ id: 'LoadDownload' });

const subjectSchema = z.object({ code: z.string(), name: z.string() });
const roomDetailSchema = z
  .object({
    roomCode: z.string(),
    roomName: z.string(),
    address: z.string(),
    seats: z.object({ rows: z.number().int(), columns: z.number().int() }).optional(),
    sessions: z.array(
      z.object({ no: z.number().int(), name: z.string(), startsAt: instantSchema, durationMinutes: z.number().int(), subjects: z.array(subjectSchema) }),
    ),
    candidates: z.array(
      z.object({
        ticketNo: z.string(),
        name: z.string(),
        gender: z.enum(['男', '女']),
        idCardMasked: z.string(),
        sessionNo: z.number().int(),
        seatNo: z.number().int(),
        subjectCodes: z.array(z.string()),
      }),
    ),
  })
  .meta({ id: 'LoadRoomDetail' });

const roomParams = z.object({ roomCode: roomCodeSchema });

export interface LoadRouteDeps {
  readonly http: PluginHttp;
  readonly guard: AuthGuard<AdminPrincipal>;
  readonly data: ExamDataStore;
  readonly service: LoadService;
  readonly settings: SiteSettings;
  readonly limits: PackageLimits;
}

/** What verifying and storing a package can refuse (package-verifier.ts, zip reading, exam-data-store.ts). */
const PACKAGE_IMPORT_ERRORS = mergeErrorResponses(DISK_WRITE_ERRORS, {
  422: refusal(
    '数据包未通过校验（消息说明原因）',
    ...[
      'CENTRE_KEY_NOT_CONFIGURED', 'PACKAGE_CONTENT_REFUSED', 'PACKAGE_CORRUPT', 'PACKAGE_ENTRY_DUPLICATE', 'PACKAGE_ENTRY_ENCRYPTED',
      'PACKAGE_ENTRY_METHOD', 'PACKAGE_ENTRY_TOO_LARGE', 'PACKAGE_ENTRY_UNSAFE', 'PACKAGE_FILE_MISMATCH', 'PACKAGE_FILE_MISSING',
      'PACKAGE_FILE_UNLISTED', 'PACKAGE_KEY_UNKNOWN', 'PACKAGE_MANIFEST_INVALID', 'PACKAGE_MANIFEST_MISSING', 'PACKAGE_MODE_MISMATCH',
      'PACKAGE_NOT_NEWER', 'PACKAGE_NOT_ZIP', 'PACKAGE_ROOM_INVALID', 'PACKAGE_SIGNATURE_INVALID', 'PACKAGE_SITE_MISMATCH',
      'PACKAGE_TOO_LARGE', 'PACKAGE_TOO_MANY_ENTRIES', 'PACKAGE_TRUNCATED', 'PACKAGE_ZIP_BOMB', 'SITE_CODE_NOT_SET', 'REGISTRATION_CODE_INVALID',
    ],
  ),
});

/** The admin API of 载入考务 (R2), under /api/load. */
export function mountLoadRoutes(d: LoadRouteDeps): void {
  const { http, guard, data, service } = d;
  const tags = ['载入考务'];

  http.route({
    method: 'get',
    path: '/rooms',
    operationId: 'listLoadedRooms',
    summary: '已载入的考场列表与发布信息（导入考务表格）',
    tags,
    guard,
    response: roomsResponseSchema,
    handler: async () => {
      const release = await data.releaseRow();
      const rooms = await data.listRoomsWithNames();
      return {
        rooms: rooms.map((r) => ({ ...r, verified: release?.verified ?? false, verifiedAt: release?.verifiedAt ?? null })),
        release: release
          ? {
              siteCode: release.siteCode,
              mode: release.mode,
              releaseTime: release.releaseTime,
              loadedAt: release.loadedAt,
              manualImportAt: release.manualImportAt,
              verified: release.verified,
              verifiedAt: release.verifiedAt,
              checkMessage: release.checkMessage,
            }
          : null,
      };
    },
  });

  http.route({
    method: 'get',
    path: '/rooms/:roomCode',
    operationId: 'getLoadedRoom',
    summary: '考场详情：场次与考生（查看）',
    tags,
    guard,
    params: roomParams,
    response: roomDetailSchema,
    errors: { 404: refusal('考场不存在', 'ROOM_NOT_FOUND') },
    handler: async ({ params }) => {
      const room = await data.room(params.roomCode);
      if (!room) throw notFound('ROOM_NOT_FOUND', `考场 ${params.roomCode} 不在已载入的考务数据中`);
      return room as z.output<typeof roomDetailSchema>;
    },
  });

  http.route({
    method: 'get',
    path: '/rooms/:roomCode/door-sheet',
    operationId: 'getDoorSheet',
    summary: '门贴座次表（可打印的 A4 HTML 页面）',
    tags,
    guard,
    params: roomParams,
    response: null,
    rawResponses: [{ status: 200, description: '门贴与各场次座次表（可打印的 HTML 页面）', contentTypes: ['text/html'] }],
    errors: { 404: refusal('考场不存在', 'ROOM_NOT_FOUND') },
    handler: async ({ params, koa }) => {
      const [room, release] = await Promise.all([data.room(params.roomCode), data.currentRelease()]);
      if (!room || !release) throw notFound('ROOM_NOT_FOUND', `考场 ${params.roomCode} 不在已载入的考务数据中`);
      koa.type = 'text/html; charset=utf-8';
      koa.set('Cache-Control', 'no-store');
      koa.body = renderDoorSheet(room, { siteCode: release.siteCode, mode: release.mode, releaseTime: release.releaseTime, printedAt: new Date().toISOString() });
    },
  });

  http.route({
    method: 'post',
    path: '/import',
    operationId: 'importExamPackage',
    summary: '手工导入考场数据包（.zip 原始字节）',
    description: '与“载入”相同的校验：签名、完整性、考点代码、考试模式、发布时间；任何一项不通过都不改变已载入的数据。',
    tags,
    guard,
    // Streamed to a temp file and read from there: a 200 MB package never sits in memory.
    body: { kind: 'stream', contentTypes: ['application/zip', 'application/x-zip-compressed'], maxBytes: d.limits.maxPackageBytes, description: '考场数据包 .zip' },
    response: importResponseSchema,
    errors: PACKAGE_IMPORT_ERRORS,
    handler: async ({ body, principal }) => {
      const outcome = await service.importPackage(body, 'manual', principal.username);
      service.checkInBackground();
      return { roomCount: outcome.roomCodes.length, keptRegistrationCodes: outcome.keptRegistrationCodes, releaseTime: outcome.release.releaseTime };
    },
  });

  http.route({
    method: 'post',
    path: '/download',
    operationId: 'downloadExamPackage',
    summary: '载入：从监控平台下载考场数据包、校验、保存，并校验发布时间',
    tags,
    guard,
    response: downloadResponseSchema,
    errors: mergeErrorResponses(PACKAGE_IMPORT_ERRORS, {
      409: refusal('尚未设置考点代码', 'SITE_CODE_NOT_SET'),
      502: refusal('下载失败（界面提供手工导入）', 'DOWNLOAD_FAILED'),
    }),
    handler: async ({ principal }) => service.download(principal.username),
  });

  http.route({
    method: 'post',
    path: '/check',
    operationId: 'checkExamPackageRelease',
    summary: '向监控平台校验已载入数据的发布时间',
    tags,
    guard,
    response: checkSchema,
    errors: mergeErrorResponses(trustErrors('SIGNATURE_INVALID', 'KEY_UNKNOWN', 'ENVELOPE_MALFORMED', 'TOKEN_NONCE_MISMATCH', 'RELEASE_FOREIGN', 'RELEASE_NONCE_MISMATCH'), {
      409: refusal('尚未载入考务数据', 'NOTHING_LOADED'),
      502: refusal('无法连接监控平台', 'CHECK_FAILED'),
    }),
    handler: async () => service.check(),
  });
}
