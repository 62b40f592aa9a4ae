import fs from 'node:fs';
import path from 'node:path';
import type { ExamSiteConfig } from '../../core/config/config';
import { fail, pass, warn, type DoctorCheck } from './doctor-check';

const GIB = 1024 ** 3;

export interface DiskThresholds {
  /** Below this the site cannot take an exam day's results safely. */
  readonly failBelowBytes: number;
  readonly warnBelowBytes: number;
}

export const DEFAULT_DISK_THRESHOLDS: DiskThresholds = { failBelowBytes: 1 * GIB, warnBelowBytes: 5 * GIB };

/** The data directory, or its nearest existing parent (it is created on first start). */
function existingDir(dir: string): string {
  let current = path.resolve(dir);
  while (!fs.existsSync(current) && path.dirname(current) !== current) current = path.dirname(current);
  return current;
}

const gib = (bytes: number): string => `${(bytes / GIB).toFixed(1)} GB`;

export function diskSpaceCheck(thresholds: DiskThresholds = DEFAULT_DISK_THRESHOLDS): DoctorCheck {
  return {
    title: '数据目录磁盘空间',
    async run(cfg: ExamSiteConfig) {
      const dir = existingDir(cfg.dataDir);
      const stats = await fs.promises.statfs(dir);
      const free = stats.bavail * stats.bsize;
      const found = `${dir} 所在磁盘可用 ${gib(free)}`;
      const advice = `请清理该磁盘或把数据目录（EXAMSITE_DATA）放到更大的磁盘，考试日至少需要 ${gib(thresholds.warnBelowBytes)}`;
      if (free < thresholds.failBelowBytes) return fail(`${found}，低于 ${gib(thresholds.failBelowBytes)}`, advice);
      if (free < thresholds.warnBelowBytes) return warn(`${found}，低于建议的 ${gib(thresholds.warnBelowBytes)}`, advice);
      return pass(found);
    },
  };
}

/** Checked with access(2) and stat only: the doctor writes nothing into the data directory. */
export function dataDirWritableCheck(): DoctorCheck {
  return {
    title: '数据目录可写',
    async run(cfg: ExamSiteConfig) {
      const dir = path.resolve(cfg.dataDir);
      if (!fs.existsSync(dir)) {
        const parent = existingDir(dir);
        if (!canWrite(parent)) return fail(`数据目录 ${dir} 不存在，且上级目录 ${parent} 不可写`, `请创建 ${dir} 并让运行考点服务的账户可写（chown/chmod）`);
        return warn(`数据目录 ${dir} 尚不存在`, '首次启动时会自动创建；若这是已有考点，请检查 EXAMSITE_DATA 是否指向正确的目录');
      }
      const stat = fs.statSync(dir);
      if (!stat.isDirectory()) return fail(`${dir} 不是目录`, '请把 EXAMSITE_DATA 指向一个目录');
      const mode = (stat.mode & 0o777).toString(8).padStart(3, '0');
      const owner = process.platform === 'win32' ? '' : `，属主 uid ${stat.uid}`;
      if (!canWrite(dir)) return fail(`数据目录 ${dir} 不可写（权限 ${mode}${owner}）`, `请让运行考点服务的账户可写：chown 该账户 ${dir} 或 chmod u+rwx ${dir}`);
      if (process.platform !== 'win32' && (stat.mode & 0o002) !== 0) {
        return warn(`数据目录 ${dir} 可写，但所有人都可写（权限 ${mode}）`, `考生数据与密钥在此目录，请收紧权限：chmod o-w ${dir}`);
      }
      return pass(`数据目录 ${dir} 可写（权限 ${mode}${owner}）`);
    },
  };
}

function canWrite(dir: string): boolean {
  try {
    fs.accessSync(dir, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
