import { z } from 'zod';
import type { AdminPrincipal } from '../../../core/auth/admin-auth';
import type { AuthGuard } from '../../../core/http/route';
import type { PluginHttp } from '../../../core/http/http-registry';
import { notFound } from '../../../core/http/errors';
import type { SiteSettings } from '../../../core/settings/site-settings';
import { roomCodeSchema, type PackageLimits } from '../api/package-format';
import { renderDoorSheet } from './door-sheet';
import type { ExamDataStore } from './exam-data-store';
import type { LoadService } from './load-service';

const roomRowSchema = z.object({
  roomCode: z.string().describe('考场代码'),
  roomName: z.string(),
  sessionCount: z.number().int().describe('场次数'),
  candidateCount: z.number().int(),
  loadedAt: z.string().describe('数据载入时间'),
  verified: z.boolean().describe('是否通过校验'),
  verifiedAt: z.string().nullable().describe('校验通过的时间'),
});

const roomsResponseSchema = z
  .object({
    rooms: z.array(roomRowSchema),
    release: z
      .object({
        siteCode: z.string(),
        mode: z.enum(['formal', 'mock']),
        releaseTime: z.string().describe('考场数据发布时间'),
        loadedAt: z.string(),
        manualImportAt: z.string().nullable().describe('手工导入时间'),
        verified: z.boolean(),
        verifiedAt: z.string().nullable(),
        checkMessage: z.string().nullable().describe('最近一次校验未通过的原因'),
      })
      .nullable(),
  })
  .meta({ id: 'LoadRooms' });

const checkSchema = z.object({ verified: z.boolean(), verifiedAt: z.string().nullable(), message: z.string().nullable() }).meta({ id: 'LoadCheck' });

const importResponseSchema = z
  .object({
    roomCount: z.number().int(),
    keptRegistrationCodes: z.number().int().describe('沿用原注册码的考场数'),
    releaseTime: z.string(),
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
      z.object({ no: z.number().int(), name: z.string(), startsAt: z.string(), durationMinutes: z.number().int(), subjects: z.array(subjectSchema) }),
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

/** The admin API of 载入考务 (R2), under /api/load. */
export function mountLoadRoutes(d: LoadRouteDeps): void {
  const { http, guard, data, service } = d;
  const tags = ['载入考务'];

  http.route({
    method: 'get',
    path: '/rooms',
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
    summary: '考场详情：场次与考生（查看）',
    tags,
    guard,
    params: roomParams,
    response: roomDetailSchema,
    errors: { 404: '考场不存在' },
    handler: async ({ params }) => {
      const room = await data.room(params.roomCode);
      if (!room) throw notFound('ROOM_NOT_FOUND', `考场 ${params.roomCode} 不在已载入的考务数据中`);
      return room as z.output<typeof roomDetailSchema>;
    },
  });

  http.route({
    method: 'get',
    path: '/rooms/:roomCode/door-sheet',
    summary: '门贴座次表（可打印的 A4 HTML 页面）',
    tags,
    guard,
    params: roomParams,
    response: null,
    responseDescription: 'text/html：门贴与各场次座次表',
    errors: { 404: '考场不存在' },
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
    summary: '手工导入考场数据包（.zip 原始字节）',
    description: '与“载入”相同的校验：签名、完整性、考点代码、考试模式、发布时间；任何一项不通过都不改变已载入的数据。',
    tags,
    guard,
    // Streamed to a temp file and read from there: a 200 MB package never sits in memory.
    body: { kind: 'stream', contentTypes: ['application/zip', 'application/x-zip-compressed'], maxBytes: d.limits.maxPackageBytes, description: '考场数据包 .zip' },
    response: importResponseSchema,
    errors: { 413: '文件过大', 422: '数据包未通过校验（消息说明原因）' },
    handler: async ({ body, principal }) => {
      const outcome = await service.importPackage(body, 'manual', principal.username);
      service.checkInBackground();
      return { roomCount: outcome.roomCodes.length, keptRegistrationCodes: outcome.keptRegistrationCodes, releaseTime: outcome.release.releaseTime };
    },
  });

  http.route({
    method: 'post',
    path: '/download',
    summary: '载入：从监控平台下载考场数据包、校验、保存，并校验发布时间',
    tags,
    guard,
    response: downloadResponseSchema,
    errors: { 502: '下载失败（界面提供手工导入）', 422: '数据包未通过校验' },
    handler: async ({ principal }) => service.download(principal.username),
  });

  http.route({
    method: 'post',
    path: '/check',
    summary: '向监控平台校验已载入数据的发布时间',
    tags,
    guard,
    response: checkSchema,
    errors: { 409: '尚未载入考务数据', 502: '无法连接监控平台' },
    handler: async () => service.check(),
  });
}
