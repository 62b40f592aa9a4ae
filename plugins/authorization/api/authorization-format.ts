import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { z } from 'zod';

/**
 * The two signed files of stages 3 and 5, documented in docs/formats.md ("考试授权文件
 * (.PTQ)" and "授权验证文件"). The centre (and its simulator) writes exactly this; the
 * authorization stage reads it. Both are SignedEnvelopes (core/crypto/signing.ts).
 */
export const AUTHORIZATION_KIND = 'authorization';
export const VERIFICATION_KIND = 'verification';
export const AUTHORIZATION_FORMAT_VERSION = 1;
/**
 * Version 2 binds a verification file to the held authorization (package manifest hash and
 * authorization version), so an old exam's file for the same session number is refused
 * (R4.4, R6.2, SPEC §5 "replayed inputs refused"). Version 1 files are refused.
 */
export const VERIFICATION_FORMAT_VERSION = 2;

/** A .PTQ file is a small JSON envelope; anything bigger is not one. */
export const MAX_PTQ_BYTES = 64 * 1024;
export const MAX_VERIFICATION_BYTES = 16 * 1024;

/** AAD of the session content key wrapped for the dongle (core/crypto wrapKeyForRecipient). */
export function authorizationKeyAad(siteCode: string, mode: 'formal' | 'mock', sessionNo: number): Buffer {
  return Buffer.from(`examsite/authorization/v1|${siteCode}|${mode}|${sessionNo}`, 'utf8');
}

const isoInstant = z
  .string()
  .max(40)
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/, '时间应为带时区的 ISO-8601 格式')
  .refine((s) => Number.isFinite(Date.parse(s)), '时间无效');

const b64 = z.string().regex(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/, '应为 base64');

export const wrappedKeySchema = z.object({
  v: z.literal(1),
  epk: b64.max(64),
  iv: b64.max(32),
  ct: b64.max(2048),
  tag: b64.max(32),
});

const siteCode = z.string().regex(/^\d{5}$/, '考点代码应为 5 位数字');
const mode = z.enum(['formal', 'mock']);
const sessionNo = z.number().int().min(1).max(99);
const dongleId = z.string().regex(/^[A-Za-z0-9-]{1,32}$/, '机考锁编号格式错误');

/** Payload of a .PTQ envelope. */
export const authorizationPayloadSchema = z.object({
  kind: z.literal(AUTHORIZATION_KIND),
  v: z.literal(AUTHORIZATION_FORMAT_VERSION),
  /** Grows with every re-issue for the same session; a lower one than held is a replay. */
  version: z.number().int().min(1).max(1_000_000_000),
  siteCode,
  mode,
  sessionNo,
  dongleId,
  /** The session's exam time: 开考时间 to its end. */
  window: z.object({ startsAt: isoInstant, endsAt: isoInstant }),
  /** The authorization is worthless after this instant. */
  notAfter: isoInstant,
  /** SHA-256 of manifest.json of the exam data package the key belongs to. */
  packageManifestSha256: z.string().regex(/^[0-9a-f]{64}$/),
  wrappedKey: wrappedKeySchema,
});
export type AuthorizationPayload = z.output<typeof authorizationPayloadSchema>;

/** Payload of a verification-file envelope. */
export const verificationPayloadSchema = z.object({
  kind: z.literal(VERIFICATION_KIND),
  v: z.literal(VERIFICATION_FORMAT_VERSION),
  siteCode,
  mode,
  sessionNo,
  dongleId,
  /** The held authorization it verifies: its packageManifestSha256 … */
  packageManifestSha256: z.string().regex(/^[0-9a-f]{64}$/, '数据包摘要应为 64 位小写十六进制'),
  /** … and its version. Both must equal the held authorization's. */
  authorizationVersion: z.number().int().min(1).max(1_000_000_000),
  issuedAt: isoInstant,
});
export type VerificationPayload = z.output<typeof verificationPayloadSchema>;

// ---- key release to proctors (R6.3) ---------------------------------------------------

export const PROCTOR_KEY_INFO_PREFIX = 'examsite/proctor-key/v1|';
export const PROCTOR_KEY_SALT_BYTES = 16;

/** HKDF info, also the AAD of the sealed key: binds it to one room and one session. */
export function proctorKeyInfo(roomCode: string, sessionNo: number): Buffer {
  return Buffer.from(`${PROCTOR_KEY_INFO_PREFIX}${roomCode}|${sessionNo}`, 'utf8');
}

/** KEK = HKDF-SHA256(IKM = the proctor's bearer token (UTF-8), salt, info, 32 bytes). */
export function deriveProctorKek(token: string, salt: Buffer, roomCode: string, sessionNo: number): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(token, 'utf8'), salt, proctorKeyInfo(roomCode, sessionNo), 32));
}

/** Reply of GET /api/proctor/v1/sessions/{no}/key. */
export const releasedKeySchema = z
  .object({
    v: z.literal(1),
    sessionNo,
    roomCode: z.string().regex(/^\d{8}$/),
    alg: z.literal('HKDF-SHA256/AES-256-GCM'),
    salt: b64.describe('16 字节随机盐（base64）'),
    iv: b64.describe('12 字节（base64）'),
    ct: b64.describe('密文：32 字节场次内容密钥（base64）'),
    tag: b64.describe('16 字节 GCM 认证标签（base64）'),
    contentSha256: z.string().nullable().describe('本场次加密考试内容的 SHA-256（用于核对）'),
    windowEndsAt: z.string().describe('场次结束时间'),
  })
  .meta({ id: 'ReleasedSessionKey' });
export type ReleasedKey = z.output<typeof releasedKeySchema>;

/** Site side: the content key sealed for one proctor's credentials. */
export function sealKeyForProctor(key: Buffer, token: string, roomCode: string, sessionNo: number): Pick<ReleasedKey, 'salt' | 'iv' | 'ct' | 'tag'> {
  const salt = randomBytes(PROCTOR_KEY_SALT_BYTES);
  const kek = deriveProctorKek(token, salt, roomCode, sessionNo);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', kek, iv);
  cipher.setAAD(proctorKeyInfo(roomCode, sessionNo));
  const ct = Buffer.concat([cipher.update(key), cipher.final()]);
  kek.fill(0);
  return { salt: salt.toString('base64'), iv: iv.toString('base64'), ct: ct.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
}

/** Proctor side: opens the released key with the stored credentials. Throws on any mismatch. */
export function openKeyForProctor(released: ReleasedKey, token: string): Buffer {
  const salt = Buffer.from(released.salt, 'base64');
  const kek = deriveProctorKek(token, salt, released.roomCode, released.sessionNo);
  try {
    const decipher = createDecipheriv('aes-256-gcm', kek, Buffer.from(released.iv, 'base64'), { authTagLength: 16 });
    decipher.setAAD(proctorKeyInfo(released.roomCode, released.sessionNo));
    decipher.setAuthTag(Buffer.from(released.tag, 'base64'));
    const key = Buffer.concat([decipher.update(Buffer.from(released.ct, 'base64')), decipher.final()]);
    if (key.length !== 32) throw new Error('场次内容密钥长度不是 32 字节');
    return key;
  } finally {
    kek.fill(0);
  }
}
