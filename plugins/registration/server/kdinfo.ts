import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { openBytes, sealBytes } from '../../../core/crypto/seal';
import { TrustError } from '../../../core/crypto/trust-error';

/**
 * KDINFO (R3.5): the file that restores registrations after a reinstall. Binary layout
 * (docs/formats.md, "KDINFO"):
 *
 *   "EXKDINFO" | version (1 byte, = 1) | header length (uint16 BE) | header (UTF-8 JSON) | sealed body
 *
 * The header names the site and the dongle in clear so a refusal can say whose file it is;
 * the body is AES-256-GCM (core/crypto sealBytes) with a key bound to this dongle and site
 * code, and the header is part of the AAD, so neither can be changed unnoticed.
 */
export const KDINFO_MAGIC = Buffer.from('EXKDINFO', 'ascii');
export const KDINFO_VERSION = 1;
export const KDINFO_MAX_BYTES = 4 * 1024 * 1024;
/** The label the dongle derives the KDINFO master key from. */
export const KDINFO_DONGLE_LABEL = 'kdinfo-v1';

export const KDINFO_DAMAGED_MESSAGE = 'KDINFO 文件已损坏或被篡改，无法恢复注册；请使用导出时得到的原始 KDINFO 文件';

const headerSchema = z
  .object({
    siteCode: z.string().regex(/^\d{5}$/),
    dongleId: z.string().min(1).max(64),
    /** First 8 bytes of HMAC(key, "KDINFO key check v1"), hex: tells "another dongle" from "tampered". */
    keyCheck: z.string().regex(/^[0-9a-f]{16}$/),
    exportedAt: z.string().max(32),
  })
  .strict();
export type KdinfoHeader = z.output<typeof headerSchema>;

const registrationSchema = z
  .object({
    roomCode: z.string().regex(/^\d{8}$/),
    registrationId: z.string().min(1).max(36),
    machineId: z.string().min(1).max(128),
    ip: z.string().max(64),
    clientVersion: z.string().min(1).max(32),
    registeredAt: z.string().max(32),
    credentialHash: z.string().regex(/^[0-9a-f]{64}$/),
    // Added with result packages; KDINFO files written before it have none.
    signingPublicKey: z.string().max(64).nullable().default(null),
  })
  .strict();

export const kdinfoBodySchema = z
  .object({
    format: z.literal('KDINFO'),
    v: z.literal(1),
    siteCode: z.string().regex(/^\d{5}$/),
    mode: z.enum(['formal', 'mock']),
    exportedAt: z.string().max(32),
    package: z.object({ releaseTime: z.string().max(40), manifestSha256: z.string().regex(/^[0-9a-f]{64}$/) }).strict(),
    /** roomCode → registration code, for every room of the package. */
    registrationCodes: z.record(z.string().regex(/^\d{8}$/), z.string().min(1).max(64)),
    registrations: z.array(registrationSchema).max(10_000),
    /** Credential hashes the site ended before the export; a restore never brings them back. Absent in older files. */
    revokedCredentials: z.array(z.string().regex(/^[0-9a-f]{64}$/)).max(100_000).optional(),
  })
  .strict();
export type KdinfoBody = z.output<typeof kdinfoBodySchema>;

/** 32-byte key = HKDF-SHA256(dongle.deriveKey('kdinfo-v1'), salt "examsite/kdinfo", info = site code). */
export function kdinfoKey(dongleSecret: Buffer, siteCode: string): Buffer {
  return Buffer.from(hkdfSync('sha256', dongleSecret, Buffer.from('examsite/kdinfo', 'ascii'), Buffer.from(siteCode, 'ascii'), 32));
}

function keyCheckOf(key: Buffer): string {
  return createHmac('sha256', key).update('KDINFO key check v1').digest().subarray(0, 8).toString('hex');
}

function aadOf(siteCode: string, headerBytes: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`KDINFO|v1|${siteCode}|`, 'ascii'), headerBytes]);
}

export function sealKdinfo(body: KdinfoBody, key: Buffer, dongleId: string): Buffer {
  const header: KdinfoHeader = { siteCode: body.siteCode, dongleId, keyCheck: keyCheckOf(key), exportedAt: body.exportedAt };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const sealed = sealBytes(key, Buffer.from(JSON.stringify(body), 'utf8'), aadOf(body.siteCode, headerBytes));
  const len = Buffer.alloc(2);
  len.writeUInt16BE(headerBytes.length);
  return Buffer.concat([KDINFO_MAGIC, Buffer.from([KDINFO_VERSION]), len, headerBytes, sealed]);
}

/** Reads the clear header only (no key needed). Anything malformed is "damaged". */
export function readKdinfoHeader(file: Buffer): { header: KdinfoHeader; headerBytes: Buffer; sealed: Buffer } {
  const fixed = KDINFO_MAGIC.length + 3;
  if (file.length < fixed || !file.subarray(0, KDINFO_MAGIC.length).equals(KDINFO_MAGIC)) {
    throw new TrustError('KDINFO_DAMAGED', '所选文件不是 KDINFO 文件（或已损坏），请选择“导出考点信息”得到的 KDINFO 文件');
  }
  if (file[KDINFO_MAGIC.length] !== KDINFO_VERSION) {
    throw new TrustError('KDINFO_VERSION', `KDINFO 文件版本 ${file[KDINFO_MAGIC.length]} 不受本系统支持，请用本系统重新导出考点信息`);
  }
  const headerLength = file.readUInt16BE(KDINFO_MAGIC.length + 1);
  if (file.length < fixed + headerLength) throw new TrustError('KDINFO_DAMAGED', KDINFO_DAMAGED_MESSAGE);
  const headerBytes = file.subarray(fixed, fixed + headerLength);
  let header: KdinfoHeader;
  try {
    header = headerSchema.parse(JSON.parse(headerBytes.toString('utf8')));
  } catch {
    throw new TrustError('KDINFO_DAMAGED', KDINFO_DAMAGED_MESSAGE);
  }
  return { header, headerBytes, sealed: file.subarray(fixed + headerLength) };
}

/**
 * Opens a KDINFO for this site and key. Refuses, in this order: not a KDINFO / damaged,
 * another site, another dongle, tampered or truncated body, a body that breaks the schema.
 */
export function openKdinfo(file: Buffer, siteCode: string, key: Buffer, currentDongleId: string): KdinfoBody {
  const { header, headerBytes, sealed } = readKdinfoHeader(file);
  if (header.siteCode !== siteCode) {
    throw new TrustError('KDINFO_FOREIGN_SITE', `KDINFO 属于考点 ${header.siteCode}，与本考点 ${siteCode} 不一致，无法恢复注册`);
  }
  const check = Buffer.from(keyCheckOf(key), 'hex');
  if (!timingSafeEqual(check, Buffer.from(header.keyCheck, 'hex'))) {
    throw new TrustError(
      'KDINFO_FOREIGN_DONGLE',
      `KDINFO 是用另一个机考锁（${header.dongleId}）导出的，与当前机考锁（${currentDongleId}）不一致，无法恢复注册；请插入导出时使用的机考锁后重试`,
    );
  }
  let plain: Buffer;
  try {
    plain = openBytes(key, sealed, aadOf(siteCode, headerBytes));
  } catch {
    throw new TrustError('KDINFO_DAMAGED', KDINFO_DAMAGED_MESSAGE);
  }
  let body: KdinfoBody;
  try {
    body = kdinfoBodySchema.parse(JSON.parse(plain.toString('utf8')));
  } catch {
    throw new TrustError('KDINFO_DAMAGED', KDINFO_DAMAGED_MESSAGE);
  }
  if (body.siteCode !== siteCode) throw new TrustError('KDINFO_DAMAGED', KDINFO_DAMAGED_MESSAGE);
  return body;
}
