import { AppError } from '../http/errors';
import { formatBytes } from '../http/body';

/** ENOSPC (no space) and EDQUOT (quota): the disk, not the request, is the problem. */
export function isDiskFull(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/**
 * Disk full while receiving: 507 with what was kept, so the sender knows it can resume
 * once space is freed. The server itself carries on.
 */
export function diskFullError(what: string, keptBytes: number | null): AppError {
  const kept = keptBytes === null ? '' : `已保存的 ${formatBytes(keptBytes)} 不会丢失，`;
  return new AppError(507, 'DISK_FULL', `考点机磁盘空间不足，${what}未能写完；${kept}请考点管理员清理磁盘空间后重试（可从中断处续传）`);
}

/** Any other write failure, still in Chinese and without a stack. */
export function writeFailedError(file: string, e: unknown): AppError {
  if (isDiskFull(e)) return new AppError(507, 'DISK_FULL', `考点机磁盘空间不足，无法写入 ${file}；请清理磁盘空间后重试`);
  const code = (e as NodeJS.ErrnoException | null)?.code ?? '未知原因';
  return new AppError(500, 'FILE_WRITE_FAILED', `无法写入 ${file}（${code}），请检查磁盘和文件夹权限后重试`);
}
