import { z } from 'zod';
import { integerParam } from '../../../core/http/integer-param';
import { incidentKindSchema, incidentSchema, proctorRoomStateSchema, roomCountsSchema } from '../api/contract';
import { instantSchema } from '../../../core/time/instant';

/** Schemas of the proctor protocol's monitoring part (docs/proctor-protocol.md). */

const roomCode = z.string({ error: '请填写考场代码' }).regex(/^\d{8}$/, '考场代码必须是 8 位数字，如 11003001');
const sessionNo = z.number({ error: '场次应为数字' }).int('场次应为整数').min(1, '场次从 1 开始').max(99, '场次过大');

export const heartbeatRequestSchema = z
  .object({
    roomCode: roomCode.describe('本机注册的考场代码（只能是本机的考场）'),
    sessionNo: sessionNo.nullable().describe('监考机当前的场次；尚未选择场次时为 null'),
    state: proctorRoomStateSchema.describe('idle 未开考 · started 已开考 · ended 已结束'),
    counts: roomCountsSchema,
    dataImported: z.boolean({ error: 'dataImported 应为 true 或 false' }).describe('考场数据导入状态：监考机已导入本考场数据'),
  })
  .strict()
  .meta({ id: 'ProctorHeartbeat' });

export const heartbeatAnswerSchema = z
  .object({
    serverTime: instantSchema.describe('考点可信时间（机考锁时钟，ISO-8601）；未校时为本机时间，见 timeSource'),
    timeSource: z.enum(['trusted', 'pc']),
    intervalSeconds: z.number().int().describe('下一次心跳前等待的秒数'),
    notices: z
      .array(z.object({ id: z.number().int(), text: z.string(), sentAt: instantSchema }))
      .describe('尚未确认的通知；收到后调用 POST /monitor/notices/{id}/ack 确认'),
  })
  .meta({ id: 'ProctorHeartbeatAnswer' });

export const sessionChangeRequestSchema = z.object({ roomCode: roomCode.describe('本机注册的考场代码') }).strict().meta({ id: 'ProctorSessionChange' });

export const sessionChangeAnswerSchema = z
  .object({
    sessionNo: z.number().int(),
    state: proctorRoomStateSchema,
    /** false: the room was already in this state (the call is idempotent). */
    changed: z.boolean().describe('false 表示此前已处于该状态（重复调用无副作用）'),
    at: instantSchema,
  })
  .meta({ id: 'ProctorSessionChangeAnswer' });

export const sessionNoParamsSchema = z.object({
  no: integerParam(1, 99, '场次应为 1–99 的整数'),
});

export const incidentRequestSchema = z
  .object({
    roomCode: roomCode.describe('本机注册的考场代码（只能是本机的考场）'),
    kind: incidentKindSchema.describe('事件类型'),
    note: z
      .string({ error: '请填写事件说明' })
      .trim()
      .min(1, '请填写事件说明，如“12 号机蓝屏，已换到 31 号机”')
      .max(500, '事件说明不能超过 500 个字'),
    ticketNo: z
      .string({ error: '准考证号应为文字' })
      .regex(/^[0-9A-Za-z]{4,32}$/, '准考证号应为 4–32 位数字或字母；与考生无关时省略')
      .nullable()
      .optional()
      .describe('涉及的考生准考证号；与考生无关时省略'),
    sessionNo: sessionNo.nullable().optional().describe('发生事件的场次；省略为未指明'),
  })
  .strict()
  .meta({ id: 'ProctorIncident' });

export const incidentAnswerSchema = incidentSchema.meta({ id: 'ProctorIncidentAnswer' });

export const noticeAckRequestSchema = z.object({ roomCode: roomCode.describe('本机注册的考场代码') }).strict().meta({ id: 'ProctorNoticeAck' });

export const noticeAckAnswerSchema = z
  .object({
    noticeId: z.number().int(),
    ackedAt: z.string().describe('确认时间（考点时间）；重复确认时为第一次确认的时间'),
    changed: z.boolean().describe('false 表示此前已确认（重复调用无副作用）'),
  })
  .meta({ id: 'ProctorNoticeAckAnswer' });

export const noticeIdParamsSchema = z.object({
  id: integerParam(1, 2 ** 31 - 1, '通知编号应为从 1 开始的整数'),
});
