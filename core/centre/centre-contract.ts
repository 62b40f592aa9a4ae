import { z } from 'zod';

/**
 * The wire contract with the monitoring platform, version 1 (docs/centre-protocol.md).
 * The site's client and the centre simulator both validate against these schemas, so the
 * two cannot drift apart silently.
 */
export const CENTRE_API_VERSION = 1;
export const CENTRE_API_PREFIX = '/v1';

/** Header names (lower case, as node reports them). */
export const CENTRE_HEADERS = {
  contentSha256: 'x-content-sha256',
  uploadOffset: 'upload-offset',
  uploadLength: 'upload-length',
  uploadSha256: 'upload-sha256',
  uploadMetadata: 'upload-metadata',
  uploadComplete: 'upload-complete',
  requestId: 'x-request-id',
} as const;

export const UPLOAD_CONTENT_TYPE = 'application/offset+octet-stream';

export const siteCodeSchema = z.string().regex(/^\d{5}$/, '考点代码应为 5 位数字');
export const examModeSchema = z.enum(['formal', 'mock']);
export type ExamMode = z.output<typeof examModeSchema>;
export const dongleIdSchema = z.string().regex(/^[A-Za-z0-9-]{1,32}$/, '机考锁编号格式错误');
export const sessionNoSchema = z.number().int().min(1).max(999);

/** The site a request is about: its code (set once in 系统设置) and the exam mode. */
export const siteQuerySchema = z.object({
  siteCode: z.string().regex(/^\d{5}$/, '考点代码应为 5 位数字，请先在系统设置中填写'),
  mode: z.enum(['formal', 'mock'], '考试模式应为正式考试或模拟考试'),
});
export type SiteQuery = z.output<typeof siteQuerySchema>;
export const isoInstantSchema = z
  .string()
  .max(40)
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:\d{2})$/, '时间应为 ISO-8601 格式')
  .refine((s) => Number.isFinite(Date.parse(s)), '时间无效');
export const sha256HexSchema = z.string().regex(/^[0-9a-f]{64}$/, 'SHA-256 应为 64 位小写十六进制');
/** Ed25519 / X25519 public keys in text form: base64url of 32 raw bytes. */
export const publicKeyTextSchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/, '公钥应为 43 个字符的 base64url 文本');
export const idempotencyKeySchema = z.string().regex(/^[A-Za-z0-9._:-]{8,128}$/, '幂等键应为 8–128 个字母、数字或 ._:-');
export const reportKindSchema = z.string().regex(/^[a-z][a-z0-9.-]{0,63}$/, '上报类型应为小写字母开头的 1–64 个字符');
export const uploadIdSchema = z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, '上传编号应为 1–128 个字母、数字或 ._-').refine((s) => !s.startsWith('.'), '上传编号不能以点开头');

/** Error body of every non-2xx reply (the same shape as the site's own API). */
export const centreErrorBodySchema = z.object({
  error: z.object({ code: z.string().max(64), message: z.string().max(2000) }),
});

/** GET /v1/ping */
export const pingReplySchema = z.object({
  ok: z.literal(true),
  version: z.literal(CENTRE_API_VERSION),
  time: isoInstantSchema,
});
export type PingReply = z.output<typeof pingReplySchema>;

/** SignedEnvelope (core/crypto/signing.ts) as it travels; the signature is checked separately. */
export const signedEnvelopeSchema = z.object({
  v: z.literal(1),
  keyId: z.string().regex(/^[0-9a-f]{16}$/),
  payload: z.string().max(12 * 1024 * 1024),
  sig: z.string().max(200),
});

/** POST /v1/time-token */
export const timeTokenRequestSchema = z.object({
  dongleId: dongleIdSchema,
  nonce: z.string().min(8).max(128),
});

/** POST /v1/dongles (机考锁注册) */
export const dongleRegistrationSchema = z.object({
  dongleId: dongleIdSchema,
  signingPublicKey: publicKeyTextSchema,
  wrappingPublicKey: publicKeyTextSchema,
  siteCode: siteCodeSchema,
});
export type DongleRegistration = z.output<typeof dongleRegistrationSchema>;

export const dongleRegistrationReplySchema = z.object({
  registered: z.literal(true),
  dongleId: dongleIdSchema,
  registeredAt: isoInstantSchema,
});
export type DongleRegistrationReply = z.output<typeof dongleRegistrationReplySchema>;

/** Reports may carry a few hundred rooms of status; 1 MiB is plenty and bounds memory. */
export const MAX_REPORT_BYTES = 1024 * 1024;

/** POST /v1/reports */
export const reportRequestSchema = z.object({
  idempotencyKey: idempotencyKeySchema,
  kind: reportKindSchema,
  siteCode: siteCodeSchema,
  mode: examModeSchema,
  createdAt: isoInstantSchema,
  payload: z.unknown(),
  dongleSignature: z.string().max(200).optional(),
});
export type ReportRequest = z.output<typeof reportRequestSchema>;

export const reportAckSchema = z.object({
  ack: z.literal(true),
  idempotencyKey: idempotencyKeySchema,
  receivedAt: isoInstantSchema,
  /** True when the centre had this key already (a harmless re-send). */
  duplicate: z.boolean(),
});
export type ReportAck = z.output<typeof reportAckSchema>;

/** Upload-Metadata header: base64url of this JSON. */
export const uploadMetadataSchema = z.object({
  siteCode: siteCodeSchema,
  mode: examModeSchema,
  /** What the file is, e.g. 'session-results'. */
  kind: reportKindSchema,
  fileName: z.string().min(1).max(200).regex(/^[^\\/:*?"<>|\x00-\x1f]+$/, '文件名含有非法字符'),
  sessionNo: sessionNoSchema.optional(),
  roomCode: z.string().regex(/^\d{8}$/).optional(),
});
export type UploadMetadata = z.output<typeof uploadMetadataSchema>;

/** Final PATCH reply (200) once every byte is there and the SHA-256 matched. */
export const uploadCompleteReplySchema = z.object({
  complete: z.literal(true),
  uploadId: uploadIdSchema,
  size: z.number().int().min(0),
  sha256: sha256HexSchema,
  receivedAt: isoInstantSchema,
});
export type UploadCompleteReply = z.output<typeof uploadCompleteReplySchema>;

export function encodeUploadMetadata(meta: UploadMetadata): string {
  return Buffer.from(JSON.stringify(meta), 'utf8').toString('base64url');
}

/** The transport's own paths; endpoints (centre-endpoint.ts) build theirs below the prefix. */
export const centrePaths = {
  ping: () => `${CENTRE_API_PREFIX}/ping`,
  reports: () => `${CENTRE_API_PREFIX}/reports`,
  upload: (id: string) => `${CENTRE_API_PREFIX}/uploads/${encodeURIComponent(id)}`,
};
