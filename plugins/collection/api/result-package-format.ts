import { z } from 'zod';

/**
 * The result package (结果数据包), format version 1, written by the proctor client and
 * checked by the site (docs/formats.md "结果数据包"). A zip:
 *
 *   manifest.json                       the manifest below (UTF-8 JSON)
 *   manifest.sig                        Ed25519 signature over the exact manifest.json bytes,
 *                                       by the key the proctor sent at registration
 *   answers/<ticketNo>/<subject>.bin    one answer file, sealed for the centre (ESG1)
 *
 * The answer files are sealed with a random per-package key K (AES-256-GCM, AAD from
 * `answerAad`); K is wrapped for the centre's result-encryption key (X25519, from the
 * signed exam data package) in `manifest.sealing`. The site checks sizes and SHA-256 of
 * the ciphertext; it never holds K.
 */
export const RESULT_FORMAT_VERSION = 1;
export const RESULT_MANIFEST_ENTRY = 'manifest.json';
export const RESULT_SIGNATURE_ENTRY = 'manifest.sig';

export const answerEntryName = (ticketNo: string, subjectCode: string): string => `answers/${ticketNo}/${subjectCode}.bin`;

/** AAD of one sealed answer file: binds it to its site, mode, room, session, candidate and subject. */
export function answerAad(m: { siteCode: string; mode: string; roomCode: string; sessionNo: number }, ticketNo: string, subjectCode: string): Buffer {
  return Buffer.from(`examsite.result.v1|${m.siteCode}|${m.mode}|${m.roomCode}|${m.sessionNo}|${ticketNo}|${subjectCode}`, 'utf8');
}

/** AAD of the wrapped package key. */
export function packageKeyAad(m: { siteCode: string; mode: string; roomCode: string; sessionNo: number }): Buffer {
  return Buffer.from(`examsite.result-key.v1|${m.siteCode}|${m.mode}|${m.roomCode}|${m.sessionNo}`, 'utf8');
}

const ticketNo = z.string().regex(/^[0-9A-Za-z]{6,24}$/, '准考证号应为 6–24 位字母或数字');
const subjectCode = z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, '科目代码只能由字母、数字、下划线和连字符组成');
const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'SHA-256 应为 64 位小写十六进制');
const b64 = z.string().max(4096);

export const resultSubjectSchema = z
  .object({
    subjectCode,
    /** 参考: candidates who sat this subject. */
    present: z.array(ticketNo).max(999),
    /** 缺考 */
    absent: z.array(ticketNo).max(999),
    /** 交卷: present candidates whose answers are in the package. */
    submitted: z.array(ticketNo).max(999),
  })
  .strict();

export const resultFileSchema = z
  .object({
    name: z.string().min(1).max(255),
    ticketNo,
    subjectCode,
    size: z.number().int().min(0),
    sha256: sha256Hex,
  })
  .strict();

export const resultManifestSchema = z
  .object({
    formatVersion: z.literal(RESULT_FORMAT_VERSION, { message: `结果数据包格式版本不受支持（本系统支持第 ${RESULT_FORMAT_VERSION} 版）` }),
    kind: z.literal('examsite.result-package'),
    siteCode: z.string().regex(/^\d{5}$/, '考点代码应为 5 位数字'),
    mode: z.enum(['formal', 'mock']),
    roomCode: z.string().regex(/^\d{8}$/, '考场代码应为 8 位数字'),
    sessionNo: z.number().int().min(1).max(99),
    /** The registration whose key signed the package. */
    registrationId: z.string().min(1).max(36),
    createdAt: z.string().max(32),
    subjects: z.array(resultSubjectSchema).min(1).max(20),
    files: z.array(resultFileSchema).max(20_000),
    sealing: z
      .object({
        alg: z.literal('X25519-HKDF-SHA256+AES-256-GCM'),
        /** SHA-256 (16 hex) of the centre's result key the package key was wrapped for. */
        recipientKeyId: z.string().regex(/^[0-9a-f]{16}$/),
        wrappedKey: z.object({ v: z.literal(1), epk: b64, iv: b64, ct: b64, tag: b64 }).strict(),
      })
      .strict(),
  })
  .strict()
  .meta({ id: 'ResultPackageManifest' });

export type ResultManifest = z.output<typeof resultManifestSchema>;
export type ResultSubjectRecord = z.output<typeof resultSubjectSchema>;

export const resultSignatureSchema = z
  .object({ v: z.literal(1), alg: z.literal('Ed25519'), keyId: z.string().regex(/^[0-9a-f]{16}$/), sig: z.string().max(200) })
  .strict();

/** Caps checked on the zip's directory before anything is read. */
export const RESULT_PACKAGE_LIMITS = {
  maxPackageBytes: 2 * 1024 * 1024 * 1024,
  maxEntries: 20_002,
  maxManifestBytes: 8 * 1024 * 1024,
  maxEntryBytes: 1024 * 1024 * 1024,
} as const;
