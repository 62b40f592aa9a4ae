import { AppError } from '../http/errors';
import { isDiskFull } from '../files/file-errors';

/**
 * The database could not grow: SQLite's SQLITE_FULL (also under TypeORM's QueryFailedError),
 * PostgreSQL's disk_full (53100), or the file system's ENOSPC/EDQUOT directly.
 */
export function isDatabaseFull(e: unknown): boolean {
  const codes = [e, (e as { driverError?: unknown } | null)?.driverError].map((x) => (x as { code?: unknown } | null | undefined)?.code);
  return codes.some((c) => c === 'SQLITE_FULL' || c === '53100') || isDiskFull(e);
}

/** 507 in Chinese: the transaction rolled back, so nothing changed; the site keeps answering. */
export function databaseFullError(): AppError {
  return new AppError(507, 'DISK_FULL', '考点机磁盘空间不足，数据未能保存（本次操作未做任何更改）；请考点管理员清理磁盘空间后重试');
}
