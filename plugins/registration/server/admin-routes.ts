import net from 'node:net';
import type { Context } from 'koa';
import { z } from 'zod';
import type { AdminAuthService } from '../../../core/auth/admin-auth';
import type { PluginHttp } from '../../../core/http/http-registry';
import { DISK_WRITE_ERRORS, DONGLE_ERRORS, refusal, trustErrors } from '../../../core/http/error-catalog';
import { conflict, notFound } from '../../../core/http/errors';
import { mergeErrorResponses, type ResponseHeaders } from '../../../core/http/route';
import type { SiteSettings } from '../../../core/settings/site-settings';
import type { ExamDataService } from '../../load/api';
import type { RoomSealStatus, RoomSealStatusSource } from '../api';
import { KDINFO_MAX_BYTES } from './kdinfo';
import { proctorCandidateSchema, proctorSessionSchema, roomCodeSchema } from './proctor-schemas';
import type { RegistrationService } from './registration-service';
import { KDINFO_FILE_NAME, siteInfoHtmlName, type SiteInfoService } from './site-info-service';
import { siteLanUrl } from '../../../core/net/site-address';
import type { SiteCertificate } from '../../../core/net/site-certificate';
import type { SiteAddresses } from './site-info-sheet';
import { withTrustRefusals } from './trust-refusal';
import { instantSchema } from '../../../core/time/instant';

const TAG = '考场注册';

/** What producing or restoring the site information can refuse (site-info-service.ts, trust-refusal.ts). */
const SITE_INFO_ERRORS = mergeErrorResponses(DONGLE_ERRORS, {
  409: refusal('尚未设置考点代码或尚未载入考务数据', 'SITE_CODE_MISSING', 'EXAM_DATA_NOT_LOADED'),
});

const ATTACHMENT_HEADERS: ResponseHeaders = { 'Content-Disposition': { description: '附件及其文件名（attachment; filename*=UTF-8…）' } };

const sealStatusSchema = z.object({ passed: z.boolean(), checkedAt: instantSchema, reason: z.string().optional() });

const registrationSchema = z
  .object({ ip: z.string(), machineId: z.string(), clientVersion: z.string(), registeredAt: instantSchema, registrationId: z.string() })
  .meta({ id: 'RoomRegistration' });

const tableRowSchema = z
  .object({
    roomCode: z.string(),
    registrationCode: z.string(),
    registration: registrationSchema.nullable(),
    sealCheck: sealStatusSchema.nullable().describe('封场检测结果；未检测为 null'),
    note: z.string().describe('备注'),
  })
  .meta({ id: 'RegistrationTableRow' });

const tableSchema = z
  .object({
    siteCode: z.string().nullable(),
    siteUrl: z.string().describe('监考机访问考点的局域网地址（未加密，仅供不支持 TLS 的监考软件）'),
    siteTlsUrl: z.string().describe('同一端口的加密地址（TLS，监考机按证书指纹校验）'),
    tlsFingerprint256: z.string().describe('考点证书的 SHA-256 指纹（AB:CD:… 形式）'),
    dataLoaded: z.boolean(),
    registeredCount: z.number().int(),
    unregisteredCount: z.number().int(),
    rooms: z.array(tableRowSchema),
  })
  .meta({ id: 'RegistrationTable' });

const roomViewSchema = z
  .object({
    roomCode: z.string(),
    roomName: z.string(),
    address: z.string(),
    registrationCode: z.string(),
    registration: registrationSchema.nullable(),
    sessions: z.array(proctorSessionSchema),
    candidates: z.array(proctorCandidateSchema),
  })
  .meta({ id: 'RegistrationRoomView' });

const guessLockSchema = z
  .object({
    scope: z.enum(['room-address', 'address']).describe('room-address：该地址对该考场锁定；address：该地址对所有考场锁定'),
    ip: z.string(),
    roomCode: z.string().nullable(),
    lockedAt: instantSchema.meta({ format: 'date-time' }),
    until: instantSchema.meta({ format: 'date-time' }),
  })
  .meta({ id: 'RegistrationGuessLock' });

const clearLockBodySchema = z
  .object({
    ip: z.string().refine((v) => net.isIP(v) !== 0, '请填写被锁定的 IP 地址'),
    roomCode: roomCodeSchema.nullable(),
  })
  .strict();

const exportBodySchema = z.object({ folder: z.string().trim().min(1, '请选择导出目录').max(1024, '导出目录路径过长') }).strict();

/** The site's LAN addresses with the port this request came in on (config.port may be 0 in tests). */
export function siteAddressesFor(ctx: Context, publicHost: string, certificate: SiteCertificate): SiteAddresses {
  const port = ctx.req.socket.localPort ?? 9190;
  const requestHost = (ctx.hostname || '127.0.0.1').replace(/^\[|\]$/g, '');
  return {
    secure: siteLanUrl(publicHost, port, requestHost, 'https'),
    fingerprint256: certificate.fingerprint256,
    plain: siteLanUrl(publicHost, port, requestHost),
  };
}

function noteOf(reg: { machineId: string; clientVersion: string } | null, sealCheck: RoomSealStatus | null): string {
  const parts: string[] = [];
  if (reg) parts.push(`监考机 ${reg.machineId}（客户端 ${reg.clientVersion}）`);
  if (sealCheck && !sealCheck.passed && sealCheck.reason) parts.push(sealCheck.reason);
  return parts.join('；');
}

function attachmentName(name: string): string {
  return `attachment; filename="${name.replace(/[^\x20-\x7e]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

export function mountAdminRoutes(
  http: PluginHttp,
  deps: {
    auth: AdminAuthService;
    registrations: RegistrationService;
    siteInfo: SiteInfoService;
    examData: ExamDataService;
    settings: SiteSettings;
    sealSources: readonly RoomSealStatusSource[];
    publicHost: string;
    certificate: SiteCertificate;
  },
): void {
  const { auth, registrations, siteInfo, examData, settings, sealSources, publicHost, certificate } = deps;
  const addressesOf = (koa: Context): SiteAddresses => siteAddressesFor(koa, publicHost, certificate);
  const guard = auth.guard;

  const sealStatusOf = async (roomCodes: string[]): Promise<Record<string, RoomSealStatus>> => {
    const merged: Record<string, RoomSealStatus> = {};
    for (const s of sealSources) Object.assign(merged, await s.statusOf(roomCodes));
    return merged;
  };

  http.route({
    method: 'get',
    path: '/rooms',
    operationId: 'listRegistrationRooms',
    summary: '考场注册表：考场代码 · 注册码 · 注册IP · 封场检测 · 备注',
    tags: [TAG],
    guard,
    response: tableSchema,
    handler: async ({ koa }) => {
      const [rooms, regs, release] = await Promise.all([examData.listRooms(), registrations.list(), examData.currentRelease()]);
      const byRoom = new Map(regs.map((r) => [r.roomCode, r]));
      const seal = await sealStatusOf(rooms.map((r) => r.roomCode));
      const rows = rooms.map((room) => {
        const reg = byRoom.get(room.roomCode);
        const registration = reg
          ? { ip: reg.ip, machineId: reg.machineId, clientVersion: reg.clientVersion, registeredAt: reg.registeredAt, registrationId: reg.registrationId }
          : null;
        const sealCheck = seal[room.roomCode] ?? null;
        return { roomCode: room.roomCode, registrationCode: room.registrationCode, registration, sealCheck, note: noteOf(registration, sealCheck) };
      });
      const registeredCount = rows.filter((r) => r.registration).length;
      const addresses = addressesOf(koa);
      return {
        siteCode: settings.get().siteCode,
        siteUrl: addresses.plain,
        siteTlsUrl: addresses.secure,
        tlsFingerprint256: addresses.fingerprint256,
        dataLoaded: release !== null,
        registeredCount,
        unregisteredCount: rows.length - registeredCount,
        rooms: rows,
      };
    },
  });

  http.route({
    method: 'get',
    path: '/rooms/:roomCode',
    operationId: 'getRegistrationRoom',
    summary: '查看考场：场次、考生与注册情况',
    tags: [TAG],
    guard,
    params: z.object({ roomCode: roomCodeSchema }),
    response: roomViewSchema,
    errors: { 404: refusal('考场不存在', 'ROOM_NOT_FOUND') },
    handler: async ({ params }) => {
      const [room, code, reg] = await Promise.all([
        examData.room(params.roomCode),
        examData.registrationCodeOf(params.roomCode),
        registrations.of(params.roomCode),
      ]);
      if (!room || code === null) throw notFound('ROOM_NOT_FOUND', `考场 ${params.roomCode} 不在已载入的考务数据中，请核对考场代码`);
      return {
        roomCode: room.roomCode,
        roomName: room.roomName,
        address: room.address,
        registrationCode: code,
        registration: reg
          ? { ip: reg.ip, machineId: reg.machineId, clientVersion: reg.clientVersion, registeredAt: reg.registeredAt, registrationId: reg.registrationId }
          : null,
        sessions: room.sessions.map((s) => ({ ...s, subjects: [...s.subjects] })),
        candidates: room.candidates.map((c) => ({ ...c, subjectCodes: [...c.subjectCodes] })),
      };
    },
  });

  http.route({
    method: 'post',
    path: '/rooms/:roomCode/revoke',
    operationId: 'revokeRegistration',
    summary: '撤销注册：该考场监考机的凭证立即失效，考场可重新注册',
    tags: [TAG],
    guard,
    params: z.object({ roomCode: roomCodeSchema }),
    response: z.object({ roomCode: z.string(), revokedIp: z.string() }),
    errors: { 409: refusal('考场尚未注册', 'ROOM_NOT_REGISTERED') },
    handler: async ({ params, principal }) => {
      const removed = await registrations.revoke(params.roomCode, principal.username);
      return { roomCode: params.roomCode, revokedIp: removed.ip };
    },
  });

  http.route({
    method: 'get',
    path: '/locks',
    operationId: 'listRegistrationLocks',
    summary: '注册锁定：注册码错误次数过多而暂时锁定的监考机地址（只锁该地址，不锁考场）',
    tags: [TAG],
    guard,
    response: z.object({ locks: z.array(guessLockSchema) }),
    handler: () => ({ locks: registrations.locks() }),
  });

  http.route({
    method: 'post',
    path: '/locks/clear',
    operationId: 'clearRegistrationLock',
    summary: '解除注册锁定：该地址可立即再次注册，其错误次数清零',
    tags: [TAG],
    guard,
    body: { kind: 'json', schema: clearLockBodySchema, maxBytes: 1024 },
    response: z.object({ ip: z.string(), roomCode: z.string().nullable() }),
    errors: { 409: refusal('该锁定已到期或已解除', 'LOCK_NOT_FOUND') },
    handler: async ({ body, principal }) => {
      if (!(await registrations.clearLock(body.ip, body.roomCode, principal.username))) {
        throw conflict('LOCK_NOT_FOUND', '该锁定已到期或已被解除，无需再解除；请刷新列表');
      }
      return { ip: body.ip, roomCode: body.roomCode };
    },
  });

  http.route({
    method: 'post',
    path: '/export',
    operationId: 'exportSiteInfo',
    summary: '导出考点信息：把考点信息 HTML 和 KDINFO 写入考点机上的目录',
    tags: [TAG],
    guard,
    body: { kind: 'json', schema: exportBodySchema },
    response: z.object({ folder: z.string(), htmlFile: z.string(), kdinfoFile: z.string(), roomCount: z.number().int(), registeredCount: z.number().int() }),
    errors: mergeErrorResponses(SITE_INFO_ERRORS, DISK_WRITE_ERRORS, {
      400: refusal('导出目录无效', 'EXPORT_FOLDER_INVALID', 'EXPORT_FOLDER_MISSING', 'EXPORT_FOLDER_READONLY'),
    }),
    handler: ({ body, koa, principal }) =>
      withTrustRefusals(() => siteInfo.exportTo(body.folder, addressesOf(koa), principal.username)),
  });

  http.route({
    method: 'get',
    path: '/export/html',
    operationId: 'downloadSiteInfoSheet',
    summary: '下载考点信息 HTML（可打印，含各考场注册码与二维码）',
    tags: [TAG],
    guard,
    response: null,
    rawResponses: [{ status: 200, description: '考点信息 HTML（附件）', contentTypes: ['text/html'], headers: ATTACHMENT_HEADERS }],
    errors: SITE_INFO_ERRORS,
    handler: async ({ koa }) => {
      const { siteCode, html } = await siteInfo.sheet(addressesOf(koa));
      koa.set('Content-Type', 'text/html; charset=utf-8');
      koa.set('Content-Disposition', attachmentName(siteInfoHtmlName(siteCode)));
      koa.set('Cache-Control', 'no-store');
      koa.body = html;
    },
  });

  http.route({
    method: 'get',
    path: '/export/kdinfo',
    operationId: 'downloadKdinfo',
    summary: '下载 KDINFO（用于重装后恢复注册；仅本考点、本机考锁可用）',
    tags: [TAG],
    guard,
    response: null,
    rawResponses: [{ status: 200, description: 'KDINFO 文件（附件）', contentTypes: ['application/octet-stream'], headers: ATTACHMENT_HEADERS }],
    errors: SITE_INFO_ERRORS,
    handler: async ({ koa, principal }) => {
      const kd = await withTrustRefusals(() => siteInfo.kdinfo());
      await siteInfo.recordDownload(principal.username, kd.roomCount, kd.registeredCount);
      koa.set('Content-Type', 'application/octet-stream');
      koa.set('Content-Disposition', attachmentName(KDINFO_FILE_NAME));
      koa.set('Cache-Control', 'no-store');
      koa.body = kd.bytes;
    },
  });

  http.route({
    method: 'post',
    path: '/restore',
    operationId: 'restoreRegistrations',
    summary: '恢复注册：导入 KDINFO，恢复注册码与已注册监考机（监考机沿用原凭证）',
    tags: [TAG],
    guard,
    body: { kind: 'raw', contentTypes: ['application/octet-stream'], maxBytes: KDINFO_MAX_BYTES, description: 'KDINFO 文件内容' },
    response: z.object({
      restored: z.array(z.string()),
      kept: z.array(z.object({ roomCode: z.string(), reason: z.string() })),
      revoked: z.array(z.object({ roomCode: z.string(), reason: z.string() })).describe('文件中已被本考点撤销的注册：不再恢复'),
      message: z.string(),
    }),
    errors: mergeErrorResponses(SITE_INFO_ERRORS, trustErrors('DECRYPT_FAILED', 'WRAPPED_KEY_MALFORMED'), {
      400: refusal('KDINFO 无法使用', 'KDINFO_DAMAGED', 'KDINFO_VERSION', 'KDINFO_FOREIGN_SITE', 'KDINFO_FOREIGN_DONGLE', 'KDINFO_WRONG_MODE'),
      409: refusal('尚未载入考务数据或数据包不一致', 'KDINFO_OTHER_PACKAGE'),
    }),
    handler: async ({ body, principal }) => {
      const outcome = await withTrustRefusals(() => siteInfo.restore(body, principal.username));
      const kept = outcome.kept.length ? `；${outcome.kept.length} 个考场已重新注册，保留当前注册` : '';
      const revoked = outcome.revoked.length ? `；${outcome.revoked.length} 个考场的注册已被撤销，不再恢复（${outcome.revoked.map((r) => r.roomCode).join('、')}），其监考机需重新注册` : '';
      return { ...outcome, message: `已恢复注册码，并恢复 ${outcome.restored.length} 个考场的注册${kept}${revoked}` };
    },
  });
}
