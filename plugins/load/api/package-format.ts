import { z } from 'zod';

/**
 * The exam data package (考场数据包), format version 1. Documented in docs/formats.md
 * ("考场数据包"); the centre simulator writes exactly this and the load stage reads it.
 *
 *   manifest.json              the manifest below (UTF-8 JSON)
 *   manifest.sig               detached Ed25519 signature over the exact manifest.json bytes
 *   rooms/<roomCode>.json      one file per room: seats, sessions, candidates
 *   content/session-<no>.bin   exam content of one session, sealed (core/crypto sealBytes)
 *   vendor/…                   optional certificate-specific files, claimed by content handlers
 */
export const PACKAGE_FORMAT_VERSION = 1;

export const MANIFEST_ENTRY = 'manifest.json';
export const MANIFEST_SIG_ENTRY = 'manifest.sig';
export const roomEntryName = (roomCode: string): string => `rooms/${roomCode}.json`;
export const contentEntryName = (sessionNo: number): string => `content/session-${sessionNo}.bin`;

/** Limits checked on the zip's central directory, before anything is inflated. */
export interface PackageLimits {
  /** Size of the .zip itself. */
  readonly maxPackageBytes: number;
  readonly maxEntries: number;
  /** Declared uncompressed size of one entry. */
  readonly maxEntryBytes: number;
  /** Sum of the declared uncompressed sizes. */
  readonly maxTotalBytes: number;
  /** Uncompressed / compressed, for entries larger than `ratioCheckFromBytes` (zip bombs). */
  readonly maxCompressionRatio: number;
  readonly ratioCheckFromBytes: number;
}

export const DEFAULT_PACKAGE_LIMITS: PackageLimits = {
  maxPackageBytes: 256 * 1024 * 1024,
  maxEntries: 4096,
  maxEntryBytes: 128 * 1024 * 1024,
  maxTotalBytes: 512 * 1024 * 1024,
  maxCompressionRatio: 200,
  ratioCheckFromBytes: 64 * 1024,
};

/** Registration codes: 8 characters without look-alikes (no 0/O, 1/I). */
export const REGISTRATION_CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
export const REGISTRATION_CODE_LENGTH = 8;
export const registrationCodeSchema = z
  .string()
  .regex(new RegExp(`^[${REGISTRATION_CODE_ALPHABET}]{${REGISTRATION_CODE_LENGTH}}$`), '注册码应为 8 位大写字母或数字（不含 0、O、1、I）');

/**
 * Additional authenticated data of a session's sealed content: binds the blob to its
 * site, mode and session, so content of another site or session does not open.
 */
export function contentAad(siteCode: string, mode: 'formal' | 'mock', sessionNo: number): Buffer {
  return Buffer.from(`examsite.content.v1|${siteCode}|${mode}|${sessionNo}`, 'utf8');
}

const isoInstant = z
  .string()
  .max(32)
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/, '时间应为带时区的 ISO-8601 格式，如 2026-12-20T09:00:00+08:00')
  .refine((s) => !Number.isNaN(Date.parse(s)), '时间无效');

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'SHA-256 应为 64 位小写十六进制');

export const siteCodeInPackage = z.string().regex(/^\d{5}$/, '考点代码应为 5 位数字');
export const roomCodeSchema = z.string().regex(/^\d{8}$/, '考场代码应为 8 位数字（考点代码 + 3 位序号）');

export const subjectSchema = z.object({
  code: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, '科目代码只能由字母、数字、下划线和连字符组成'),
  name: z.string().min(1).max(100),
});

export const manifestSessionSchema = z.object({
  no: z.number().int().min(1).max(99),
  name: z.string().min(1).max(100),
  startsAt: isoInstant,
  durationMinutes: z.number().int().min(1).max(24 * 60),
  subjects: z.array(subjectSchema).min(1).max(20),
});

export const manifestRoomSchema = z.object({
  roomCode: roomCodeSchema,
  name: z.string().min(1).max(100),
  address: z.string().max(200),
});

export const manifestFileSchema = z.object({
  name: z.string().min(1).max(255),
  size: z.number().int().min(0),
  sha256: sha256Hex,
});

export const packageManifestSchema = z
  .object({
    formatVersion: z.literal(PACKAGE_FORMAT_VERSION, { message: `数据包格式版本不受支持（本系统支持第 ${PACKAGE_FORMAT_VERSION} 版）` }),
    siteCode: siteCodeInPackage,
    mode: z.enum(['formal', 'mock']),
    releaseTime: isoInstant,
    rooms: z.array(manifestRoomSchema).min(1).max(999),
    sessions: z.array(manifestSessionSchema).min(1).max(99),
    files: z.array(manifestFileSchema).min(1),
    /**
     * Format 1.1 (optional): the centre's X25519 result-encryption public key (base64url,
     * 32 bytes). Proctors seal answer files for it (docs/formats.md 结果数据包).
     */
    resultEncryptionKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/, '结果加密公钥应为 43 个字符的 base64url 文本（32 字节 X25519 公钥）').optional(),
  })
  .strict()
  .meta({ id: 'PackageManifest' });

export type PackageManifest = z.output<typeof packageManifestSchema>;

export const manifestSignatureSchema = z
  .object({
    v: z.literal(1),
    alg: z.literal('Ed25519'),
    keyId: z.string(),
    sig: z.string(),
  })
  .strict();

export type ManifestSignature = z.output<typeof manifestSignatureSchema>;

export const packageCandidateSchema = z
  .object({
    ticketNo: z.string().regex(/^[0-9A-Za-z]{6,24}$/, '准考证号应为 6–24 位字母或数字'),
    name: z.string().min(1).max(50),
    gender: z.enum(['男', '女']),
    idCardMasked: z.string().regex(/^[0-9Xx*]{15,18}$/, '身份证号（脱敏）格式错误'),
    seatNo: z.number().int().min(1).max(999),
    subjectCodes: z.array(z.string().min(1).max(32)).min(1).max(20),
  })
  .strict();

export const roomFileSchema = z
  .object({
    roomCode: roomCodeSchema,
    /** Seat grid of the room, for the seat chart: seat n sits at row ⌈n / columns⌉. */
    seats: z.object({ rows: z.number().int().min(1).max(50), columns: z.number().int().min(1).max(50) }).strict(),
    sessions: z
      .array(
        z
          .object({
            no: z.number().int().min(1).max(99),
            candidates: z.array(packageCandidateSchema).max(999),
          })
          .strict(),
      )
      .min(1)
      .max(99),
  })
  .strict()
  .meta({ id: 'PackageRoomFile' });

export type PackageRoomFile = z.output<typeof roomFileSchema>;
