import { createHash, createHmac, hkdfSync } from 'node:crypto';
import { z } from 'zod';

/**
 * The .bak file (系统备份, R9.1; docs/formats.md "系统备份 .bak"):
 *
 *   "EXBACKUP" | version (1 byte, = 1) | header length (uint32 BE) | header (UTF-8 JSON) | chunks
 *
 * The header names the site, mode, dongle, time and note in clear, so the list and the
 * refusals can say whose backup it is without the key. The body is a zip (archiver,
 * entries stored) cut into 1 MiB chunks, each sealed with AES-256-GCM under a key bound
 * to the site and its dongle: `iv (12) | ciphertext | tag (16)`, AAD = SHA-256 of the
 * prefix (magic, version, header) | chunk index (uint64 BE) | final flag. So the header,
 * the order of the chunks and the end of the file cannot change unnoticed, and any chunk
 * can be opened alone (the zip is read in place, never held in memory).
 */
export const BAK_MAGIC = Buffer.from('EXBACKUP', 'ascii');
export const BAK_VERSION = 1;
export const BAK_CHUNK_BYTES = 1024 * 1024;
export const BAK_IV_BYTES = 12;
export const BAK_TAG_BYTES = 16;
export const BAK_CHUNK_OVERHEAD = BAK_IV_BYTES + BAK_TAG_BYTES;
export const BAK_MAX_HEADER_BYTES = 16 * 1024;
/** The label the dongle derives the backup master key from. */
export const BAK_DONGLE_LABEL = 'backup-v1';
export const BAK_EXTENSION = '.bak';

export const bakHeaderSchema = z
  .object({
    format: z.literal('examsite-backup'),
    siteCode: z.string().regex(/^\d{5}$/),
    mode: z.enum(['formal', 'mock']),
    dongleId: z.string().min(1).max(64),
    /** First 8 bytes of HMAC(key, "backup key check v1"), hex: tells "another dongle" from "tampered". */
    keyCheck: z.string().regex(/^[0-9a-f]{16}$/),
    createdAt: z.string().max(40),
    note: z.string().max(200),
    productVersion: z.string().max(40),
  })
  .strict();
export type BakHeader = z.output<typeof bakHeaderSchema>;

export const BAK_DB_ENTRY = 'db/examsite.sqlite';
export const BAK_FILES_PREFIX = 'files/';
export const BAK_MANIFEST_ENTRY = 'manifest.json';

const bakEntrySchema = z.object({ name: z.string().min(1).max(600), size: z.number().int().nonnegative(), sha256: z.string().regex(/^[0-9a-f]{64}$/) }).strict();

export const bakManifestSchema = z
  .object({
    format: z.literal('examsite-backup-manifest'),
    v: z.literal(1),
    productVersion: z.string().max(40),
    siteCode: z.string().regex(/^\d{5}$/),
    mode: z.enum(['formal', 'mock']),
    createdAt: z.string().max(40),
    note: z.string().max(200),
    database: z.object({ dialect: z.literal('sqlite'), migrations: z.array(z.string().max(200)).max(10_000) }).strict(),
    /** Folders (relative to the data folder) that the restore replaces, even when empty. */
    folders: z.array(z.string().min(1).max(400)).max(500),
    entries: z.array(bakEntrySchema).max(1_000_000),
    /**
     * A mirror folder's snapshot only (镜像文件夹, docs/formats.md): the files that lie beside
     * it in the folder, in clear, each checked by its size and SHA-256 like an entry.
     */
    external: z.array(bakEntrySchema).max(1_000_000).optional(),
  })
  .strict();
export type BakManifest = z.output<typeof bakManifestSchema>;

/** The sealed snapshot of a mirror folder (its database and its list of files), beside `files/`. */
export const MIRROR_SNAPSHOT_NAME = '考点镜像.bak';

/** 32-byte key = HKDF-SHA256(dongle.deriveKey('backup-v1'), salt "examsite/backup", info = site code). */
export function bakKey(dongleSecret: Buffer, siteCode: string): Buffer {
  return Buffer.from(hkdfSync('sha256', dongleSecret, Buffer.from('examsite/backup', 'ascii'), Buffer.from(siteCode, 'ascii'), 32));
}

export function bakKeyCheck(key: Buffer): string {
  return createHmac('sha256', key).update('backup key check v1').digest().subarray(0, 8).toString('hex');
}

/** The clear prefix: magic, version, header length, header. */
export function bakPrefix(header: BakHeader): Buffer {
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(headerBytes.length);
  return Buffer.concat([BAK_MAGIC, Buffer.from([BAK_VERSION]), len, headerBytes]);
}

export function chunkAad(prefixHash: Buffer, index: number, final: boolean): Buffer {
  const aad = Buffer.alloc(prefixHash.length + 9);
  prefixHash.copy(aad, 0);
  aad.writeBigUInt64BE(BigInt(index), prefixHash.length);
  aad[prefixHash.length + 8] = final ? 1 : 0;
  return aad;
}

export function prefixHashOf(prefix: Buffer): Buffer {
  return createHash('sha256').update(prefix).digest();
}

/** A zip entry name this product writes: no '..', no absolute path, no backslash or drive letter. */
export function safeEntryName(name: string): boolean {
  if (name.includes('\\') || name.startsWith('/') || /^[a-zA-Z]:/.test(name) || name.includes('\0')) return false;
  return name.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
}

/** The backup's file name: 考点备份_<site>_<yyyyMMdd-HHmmss China time>.bak. */
export function bakFileName(siteCode: string, at: Date): string {
  const china = new Date(at.getTime() + 8 * 3600_000).toISOString();
  const stamp = `${china.slice(0, 10).replace(/-/g, '')}-${china.slice(11, 19).replace(/:/g, '')}`;
  return `考点备份_${siteCode}_${stamp}${BAK_EXTENSION}`;
}
