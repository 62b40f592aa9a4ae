import { z } from 'zod';
import { keyIdOf } from '../../../core/crypto/signing';
import { instantSchema } from '../../../core/time/instant';

/** Schemas of the proctor LAN protocol v1 (R11.1); they validate and document (/api/openapi.json). */

export const roomCodeSchema = z.string().regex(/^\d{8}$/, '考场代码必须是 8 位数字（考点代码 + 3 位序号），如 11003001');

/** An Ed25519 public key in text form (43 base64url characters). */
export const signingPublicKeySchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{43}$/, '签名公钥应为 43 个字符的 base64url 文本（32 字节 Ed25519 公钥）')
  .refine((text) => {
    try {
      keyIdOf(text);
      return true;
    } catch {
      return false;
    }
  }, '签名公钥不是有效的 Ed25519 公钥');

export const proctorRegisterRequestSchema = z
  .object({
    roomCode: roomCodeSchema,
    registrationCode: z.string().trim().min(1, '请填写注册码').max(64, '注册码过长，请核对考点下发的注册码'),
    machineId: z
      .string()
      .regex(/^[A-Za-z0-9._:-]{1,128}$/, '机器标识只能由字母、数字和 . _ : - 组成（1–128 个字符）')
      .describe('监考机的稳定标识（同一台机器每次相同），用于识别重复注册'),
    clientVersion: z.string().regex(/^[0-9A-Za-z.+-]{1,32}$/, '客户端版本号格式不正确（如 1.0.0）'),
    signingPublicKey: signingPublicKeySchema
      .optional()
      .describe('监考机的 Ed25519 公钥（32 字节，base64url）：考点只接受用对应私钥签名的结果数据包（docs/formats.md 结果数据包）'),
  })
  .strict()
  .meta({ id: 'ProctorRegisterRequest' });

export const proctorCredentialsSchema = z
  .object({
    token: z.string().describe('凭证（Bearer），只在此应答中出现一次；后续请求放在 Authorization: Bearer <token>'),
    tokenType: z.literal('Bearer'),
    expiresAt: instantSchema.nullable().describe('凭证到期时间；null：在整个考试期间有效，直到考点撤销注册或系统初始化（本版本总是 null）'),
    siteCode: z.string(),
    roomCode: z.string(),
    machineId: z.string(),
    registrationId: z.string(),
    registeredAt: instantSchema,
    registeredIp: z.string(),
    alreadyRegistered: z.boolean().describe('本机此前已注册本考场：同一注册，换发新凭证（旧凭证随之失效）'),
    apiBase: z.string().describe('之后所有监考机接口的前缀'),
  })
  .meta({ id: 'ProctorCredentials' });

export const proctorWhoamiSchema = z
  .object({
    siteCode: z.string(),
    mode: z.enum(['formal', 'mock']),
    roomCode: z.string(),
    machineId: z.string(),
    registrationId: z.string(),
    registeredIp: z.string(),
  })
  .meta({ id: 'ProctorWhoami' });

const subjectSchema = z.object({ code: z.string(), name: z.string() });

export const proctorSessionSchema = z
  .object({
    no: z.number().int(),
    name: z.string(),
    startsAt: instantSchema,
    durationMinutes: z.number().int(),
    subjects: z.array(subjectSchema),
  })
  .meta({ id: 'ProctorSession' });

export const proctorCandidateSchema = z
  .object({
    ticketNo: z.string(),
    name: z.string(),
    gender: z.enum(['男', '女']),
    idCardMasked: z.string(),
    sessionNo: z.number().int(),
    seatNo: z.number().int(),
    subjectCodes: z.array(z.string()),
  })
  .meta({ id: 'ProctorCandidate' });

export const proctorSeatSchema = z
  .object({ sessionNo: z.number().int(), seatNo: z.number().int(), ticketNo: z.string() })
  .meta({ id: 'ProctorSeat' });

export const proctorRoomSchema = z
  .object({
    siteCode: z.string(),
    roomCode: z.string(),
    roomName: z.string(),
    address: z.string(),
    releaseTime: instantSchema,
    sessions: z.array(proctorSessionSchema),
    candidates: z.array(proctorCandidateSchema),
    seats: z.array(proctorSeatSchema).describe('座次：每场次每个座位的考生准考证号'),
    resultEncryptionKey: z
      .string()
      .nullable()
      .describe('监控平台的结果加密公钥（X25519，base64url），来自其签名的考场数据包；答题文件须为它加密（docs/formats.md 结果数据包）；数据包未提供时为 null'),
  })
  .meta({ id: 'ProctorRoom' });
