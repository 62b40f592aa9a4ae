import { constants as fsConstants } from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { badRequest } from '../../../../core/http/errors';
import { MIRROR_SNAPSHOT_NAME } from './bak-format';

/** A folder typed by the administrator: an absolute path to an existing folder (writable when asked). */
export async function checkBackupFolder(folder: string, needWrite: boolean): Promise<string> {
  const trimmed = folder.trim();
  if (!path.isAbsolute(trimmed)) {
    throw badRequest('BACKUP_FOLDER_INVALID', `备份目录“${trimmed}”不是完整路径，请填写完整路径（如 D:\\考点备份）`);
  }
  const dir = path.resolve(trimmed);
  const stat = await fsp.stat(dir).catch(() => null);
  if (!stat) throw badRequest('BACKUP_FOLDER_MISSING', `备份目录 ${dir} 不存在，请先创建该目录或重新选择`);
  if (!stat.isDirectory()) throw badRequest('BACKUP_FOLDER_INVALID', `${dir} 不是目录，请选择一个目录`);
  if (needWrite) {
    await fsp.access(dir, fsConstants.W_OK).catch(() => {
      throw badRequest('BACKUP_FOLDER_READONLY', `备份目录 ${dir} 不可写入，请检查权限或选择其他目录`);
    });
  }
  return dir;
}

/**
 * What 系统恢复 reads: a .bak file, or a mirror folder (its sealed snapshot and the files
 * beside it, `mirror` = the folder).
 */
export async function checkRestoreSource(file: string): Promise<{ bak: string; mirror: string | null }> {
  const trimmed = file.trim();
  const stat = path.isAbsolute(trimmed) ? await fsp.stat(trimmed).catch(() => null) : null;
  if (!stat?.isDirectory()) return { bak: await checkBackupFile(trimmed), mirror: null };
  const dir = path.resolve(trimmed);
  const snapshot = path.join(dir, MIRROR_SNAPSHOT_NAME);
  if (!(await fsp.stat(snapshot).catch(() => null))?.isFile()) {
    throw badRequest('BACKUP_FILE_MISSING', `文件夹 ${dir} 中没有镜像快照（${MIRROR_SNAPSHOT_NAME}），不是镜像文件夹；请选择镜像文件夹或系统备份生成的 .bak 文件`);
  }
  return { bak: snapshot, mirror: dir };
}

/** A .bak file typed by the administrator: an absolute path to an existing file. */
export async function checkBackupFile(file: string): Promise<string> {
  const trimmed = file.trim();
  if (!path.isAbsolute(trimmed) || !trimmed.toLowerCase().endsWith('.bak')) {
    throw badRequest('BACKUP_FILE_INVALID', `“${trimmed}”不是完整的备份文件路径，请选择系统备份生成的 .bak 文件（如 D:\\考点备份\\考点备份_11003_20261220-080000.bak）`);
  }
  const resolved = path.resolve(trimmed);
  const stat = await fsp.stat(resolved).catch(() => null);
  if (!stat || !stat.isFile()) throw badRequest('BACKUP_FILE_MISSING', `备份文件 ${resolved} 不存在，请重新选择`);
  return resolved;
}
