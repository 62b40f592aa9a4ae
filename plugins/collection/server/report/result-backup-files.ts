import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../../../core/http/errors';
import { BACKUP_FORMAT, BACKUP_MANIFEST_NAME, backupEntryName, backupManifestSchema, type BackupEntry, type BackupManifest } from './backup-manifest';
import type { CollectedPackage } from './collected-results';

const CHUNK = 4 * 1024 * 1024;

export interface BackupProgress {
  readonly phase: 'copying' | 'verifying';
  readonly doneBytes: number;
  readonly totalBytes: number;
  readonly doneFiles: number;
  readonly totalFiles: number;
}

export class BackupVerifyError extends AppError {
  constructor(message: string) {
    super(409, 'BACKUP_VERIFY_FAILED', message);
  }
}

function isDiskFull(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

function writeError(target: string, e: unknown): AppError {
  if (e instanceof AppError) return e;
  if (isDiskFull(e)) return new AppError(507, 'BACKUP_DISK_FULL', `外部存储设备空间不足，备份未完成（${target}）；请换用空间更大的设备后重新执行第一步`);
  const code = (e as NodeJS.ErrnoException | null)?.code ?? '未知原因';
  return new AppError(500, 'BACKUP_WRITE_FAILED', `写入备份失败（${code}）：${target}；请检查外部存储设备后重新执行第一步`);
}

async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const h = await fsp.open(dir, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

/** Reads a file once in large chunks, hashing it and handing each chunk to `each`. */
async function readHashed(file: string, each: (chunk: Buffer) => Promise<void>): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  const h = await fsp.open(file, 'r');
  let size = 0;
  try {
    const buffer = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const { bytesRead } = await h.read(buffer, 0, CHUNK, size);
      if (bytesRead === 0) break;
      const chunk = buffer.subarray(0, bytesRead);
      hash.update(chunk);
      await each(chunk);
      size += bytesRead;
    }
  } finally {
    await h.close();
  }
  return { size, sha256: hash.digest('hex') };
}

/**
 * Copies one package (in the kernel where it can) and fsyncs the copy. It is not hashed
 * here: the read-back check hashes every copy against the collected SHA-256, which also
 * catches a site copy damaged since it was collected.
 */
async function copyPackage(p: CollectedPackage, target: string, progress: (bytes: number) => void): Promise<void> {
  await fsp.copyFile(p.file, target, fsp.constants.COPYFILE_EXCL);
  const out = await fsp.open(target, 'r+');
  try {
    await out.sync();
  } finally {
    await out.close();
  }
  progress(p.size);
}

/**
 * 第一步's copy: every package into `dir` (a new folder on the external drive), each fsynced,
 * then manifest.json (temp name, fsync, rename) and the folder. Returns the manifest bytes'
 * SHA-256 so the verification can tell that the manifest read back is the one written.
 */
export async function writeBackup(
  dir: string,
  site: { siteCode: string; mode: 'formal' | 'mock'; createdAt: string },
  packages: readonly CollectedPackage[],
  onProgress: (p: BackupProgress) => void,
): Promise<{ manifestSha256: string; manifest: BackupManifest }> {
  const totalBytes = packages.reduce((n, p) => n + p.size, 0);
  let doneBytes = 0;
  let doneFiles = 0;
  const files: BackupEntry[] = [];
  try {
    await fsp.mkdir(dir);
    for (const p of packages) {
      const name = backupEntryName(p.roomCode, p.sessionNo, p.sha256);
      await copyPackage(p, path.join(dir, name), (bytes) => {
        doneBytes += bytes;
        onProgress({ phase: 'copying', doneBytes, totalBytes, doneFiles, totalFiles: packages.length });
      });
      files.push({ name, roomCode: p.roomCode, sessionNo: p.sessionNo, size: p.size, sha256: p.sha256 });
      doneFiles++;
      onProgress({ phase: 'copying', doneBytes, totalBytes, doneFiles, totalFiles: packages.length });
    }
    const manifest: BackupManifest = { format: BACKUP_FORMAT, version: 1, ...site, files };
    const bytes = Buffer.from(JSON.stringify(manifest, null, 2), 'utf8');
    const tmp = path.join(dir, `${BACKUP_MANIFEST_NAME}.tmp`);
    const h = await fsp.open(tmp, 'wx');
    try {
      await h.writeFile(bytes);
      await h.sync();
    } finally {
      await h.close();
    }
    await fsp.rename(tmp, path.join(dir, BACKUP_MANIFEST_NAME));
    await syncDir(dir);
    await syncDir(path.dirname(dir));
    return { manifestSha256: createHash('sha256').update(bytes).digest('hex'), manifest };
  } catch (e) {
    throw writeError(dir, e);
  }
}

/**
 * Reads a backup back from the drive and checks it: the manifest is the one written, and
 * every file it lists is there with its size and SHA-256. Any difference is a refusal
 * naming the file, so the administrator knows the copy cannot be trusted.
 */
export async function verifyBackup(dir: string, manifestSha256: string, onProgress: (p: BackupProgress) => void): Promise<BackupManifest> {
  let bytes: Buffer;
  try {
    bytes = await fsp.readFile(path.join(dir, BACKUP_MANIFEST_NAME));
  } catch {
    throw new BackupVerifyError(`备份目录 ${dir} 中没有 ${BACKUP_MANIFEST_NAME}，备份不可用；请重新执行第一步`);
  }
  if (createHash('sha256').update(bytes).digest('hex') !== manifestSha256) {
    throw new BackupVerifyError(`备份目录 ${dir} 中的 ${BACKUP_MANIFEST_NAME} 已被改动或损坏；请重新执行第一步`);
  }
  const parsed = backupManifestSchema.safeParse(JSON.parse(bytes.toString('utf8')));
  if (!parsed.success) throw new BackupVerifyError(`备份目录 ${dir} 中的 ${BACKUP_MANIFEST_NAME} 格式错误；请重新执行第一步`);
  const manifest = parsed.data;
  const totalBytes = manifest.files.reduce((n, f) => n + f.size, 0);
  let doneBytes = 0;
  let doneFiles = 0;
  for (const f of manifest.files) {
    let read: { size: number; sha256: string };
    try {
      read = await readHashed(path.join(dir, f.name), async (chunk) => {
        doneBytes += chunk.length;
        onProgress({ phase: 'verifying', doneBytes, totalBytes, doneFiles, totalFiles: manifest.files.length });
      });
    } catch {
      throw new BackupVerifyError(`备份中缺少考场 ${f.roomCode} 第 ${f.sessionNo} 场的结果包 ${f.name}；请重新执行第一步`);
    }
    if (read.size !== f.size || read.sha256 !== f.sha256) {
      throw new BackupVerifyError(`备份中考场 ${f.roomCode} 第 ${f.sessionNo} 场的结果包 ${f.name} 读回后校验不一致（外部存储设备可能有坏块）；请换用其他设备重新执行第一步`);
    }
    doneFiles++;
    onProgress({ phase: 'verifying', doneBytes, totalBytes, doneFiles, totalFiles: manifest.files.length });
  }
  return manifest;
}
