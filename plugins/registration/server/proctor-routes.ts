import { z } from 'zod';
import { publicGuard } from '../../../core/auth/admin-auth';
import { refusal } from '../../../core/http/error-catalog';
import { notFound } from '../../../core/http/errors';
import type { SiteSettings } from '../../../core/settings/site-settings';
import type { ExamDataService } from '../../load/api';
import { PROCTOR_API_PREFIX } from '../api';
import { bearerOf, type ProctorLanApi } from './proctor-lan-api';
import {
  proctorCredentialsSchema,
  proctorRegisterRequestSchema,
  proctorRoomSchema,
  proctorWhoamiSchema,
  roomCodeSchema,
} from './proctor-schemas';
import type { RegistrationService } from './registration-service';

/** register, whoami and the room's data: the registration stage's part of protocol v1. */
export function mountProctorRoutes(api: ProctorLanApi, deps: { registrations: RegistrationService; examData: ExamDataService; settings: SiteSettings }): void {
  const { registrations, examData, settings } = deps;

  api.routePublic({
    method: 'post',
    path: '/register',
    operationId: 'registerProctor',
    summary: '监考机注册（考场代码 + 注册码）',
    description:
      '成功时返回凭证（只返回一次）。已注册的考场再次注册须在 Authorization: Bearer 中带上该考场当前的凭证：' +
      '同一注册，换发新凭证（旧凭证随之失效）；不带或凭证不对返回 409（machineId 不是秘密，不能代替凭证）。' +
      '注册码错误返回 401；同一 IP 对同一考场、或同一 IP 对所有考场多次错误后，该 IP 暂时锁定（429，Retry-After），其他 IP 不受影响。',
    guard: publicGuard,
    body: { kind: 'json', schema: proctorRegisterRequestSchema, maxBytes: 8 * 1024 },
    response: proctorCredentialsSchema,
    errors: {
      401: refusal('考场代码或注册码错误', 'REGISTRATION_CODE_WRONG'),
      409: refusal('考场已有监考机注册（再次注册须带当前凭证），或考点尚未载入考务数据', 'ROOM_ALREADY_REGISTERED', 'EXAM_DATA_NOT_LOADED', 'ROOM_DATA_CHANGED'),
      429: refusal('错误次数过多，暂时锁定（见 Retry-After）', 'TOO_MANY_ATTEMPTS'),
    },
    handler: async ({ body, ip, koa }) => {
      const result = await registrations.register(body, ip, bearerOf(koa));
      const r = result.registration;
      return {
        token: result.token,
        tokenType: 'Bearer' as const,
        expiresAt: null,
        siteCode: settings.get().siteCode ?? '',
        roomCode: r.roomCode,
        machineId: r.machineId,
        registrationId: r.registrationId,
        registeredAt: r.registeredAt,
        registeredIp: r.ip,
        alreadyRegistered: result.alreadyRegistered,
        apiBase: PROCTOR_API_PREFIX,
      };
    },
  });

  api.route({
    method: 'get',
    path: '/whoami',
    operationId: 'getProctorIdentity',
    summary: '本机注册信息（检查凭证是否仍有效）',
    room: 'own',
    response: proctorWhoamiSchema,
    handler: ({ principal }) => ({
      siteCode: settings.get().siteCode ?? '',
      mode: settings.get().mode,
      roomCode: principal.roomCode,
      machineId: principal.machineId,
      registrationId: principal.registrationId,
      registeredIp: principal.ip,
    }),
  });

  // Callers are scoped by their route's `room` declaration (ProctorApi checks it).
  const roomData = async (roomCode: string) => {
    const [room, release] = await Promise.all([examData.room(roomCode), examData.currentRelease()]);
    if (!room || !release) throw notFound('ROOM_DATA_MISSING', `考场 ${roomCode} 的考务数据不存在，请联系考点管理员重新载入考务`);
    const seats = room.candidates
      .map((c) => ({ sessionNo: c.sessionNo, seatNo: c.seatNo, ticketNo: c.ticketNo }))
      .sort((a, b) => a.sessionNo - b.sessionNo || a.seatNo - b.seatNo);
    return {
      siteCode: settings.get().siteCode ?? '',
      roomCode: room.roomCode,
      roomName: room.roomName,
      address: room.address,
      releaseTime: release.releaseTime,
      sessions: room.sessions.map((s) => ({ ...s, subjects: [...s.subjects] })),
      candidates: room.candidates.map((c) => ({ ...c, subjectCodes: [...c.subjectCodes] })),
      seats,
      resultEncryptionKey: release.resultEncryptionKey,
    };
  };

  api.route({
    method: 'get',
    path: '/room',
    operationId: 'getOwnRoomData',
    summary: '本考场的考务数据：场次、考生、座次',
    room: 'own',
    response: proctorRoomSchema,
    errors: { 404: refusal('考务数据不存在', 'ROOM_DATA_MISSING') },
    handler: ({ principal }) => roomData(principal.roomCode),
  });

  api.route({
    method: 'get',
    path: '/rooms/:roomCode',
    operationId: 'getRoomData',
    summary: '按考场代码取考务数据（只能是本机注册的考场，否则 403）',
    params: z.object({ roomCode: roomCodeSchema }),
    room: ({ params }) => params.roomCode,
    response: proctorRoomSchema,
    errors: { 404: refusal('考务数据不存在', 'ROOM_DATA_MISSING') },
    handler: ({ params }) => roomData(params.roomCode),
  });
}
