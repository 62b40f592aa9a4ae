import { z } from 'zod';

export const BACKUP_MANIFEST_NAME = 'manifest.json';
export const BACKUP_FORMAT = 'examsite-result-backup';

const sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, 'SHA-256 应为 64 位小写十六进制');

export const backupEntrySchema = z
  .object({
    /** File name inside the backup folder. */
    name: z.string().regex(/^\d{8}_S\d{1,3}_[0-9a-f]{16}\.zip$/, '备份中的文件名不合规'),
    roomCode: z.string().regex(/^\d{8}$/, '考场代码应为 8 位数字'),
    sessionNo: z.number().int().min(1).max(999),
    size: z.number().int().min(0),
    sha256: sha256Schema,
  })
  .strict();
export type BackupEntry = z.output<typeof backupEntrySchema>;

/**
 * manifest.json of a 考后上报 第一步 backup (docs/formats.md): what the folder holds, with
 * each package's size and SHA-256, so the copy can be verified now and by anyone later.
 */
export const backupManifestSchema = z
  .object({
    format: z.literal(BACKUP_FORMAT),
    version: z.literal(1),
    siteCode: z.string().regex(/^\d{5}$/, '考点代码应为 5 位数字'),
    mode: z.enum(['formal', 'mock']),
    createdAt: z.string().max(40),
    files: z.array(backupEntrySchema).max(100_000),
  })
  .strict();
export type BackupManifest = z.output<typeof backupManifestSchema>;

export function backupEntryName(roomCode: string, sessionNo: number, sha256: string): string {
  return `${roomCode}_S${sessionNo}_${sha256.slice(0, 16)}.zip`;
}
