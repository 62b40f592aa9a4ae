import { promises as fsp } from 'node:fs';
import type { AdminAuthService } from '../../../core/auth/admin-auth';
import type { DongleService } from '../../../core/dongle/dongle-service';
import type { SiteSettings } from '../../../core/settings/site-settings';
import type { SealCheck } from '../api';

/** Only what each check reads, so a test can hand in the fact it wants to see. */
export interface CoreFactDeps {
  readonly dongles: Pick<DongleService, 'current'>;
  readonly auth: Pick<AdminAuthService, 'isDefaultPassword'>;
  readonly settings: Pick<SiteSettings, 'get'>;
  readonly dataDir: string;
  readonly minFreeDiskMb: number;
}

// The checks of facts core owns (dongle, disk, admin password); core names no stage, so they live here.

export function donglePresentCheck(d: Pick<CoreFactDeps, 'dongles'>): SealCheck {
  return {
    id: 'core.dongle-present',
    title: '机考锁已插入',
    order: 10,
    async run() {
      const dongle = d.dongles.current();
      return dongle
        ? { passed: true, reason: `已检测到${dongle.kind === 'soft' ? '模拟机考锁' : '机考锁'} ${dongle.id()}` }
        : { passed: false, reason: '未检测到机考锁', fix: '请将机考锁插入考点电脑后重新检测' };
    },
  };
}

/** `freeBytes`: the probe (statfs of the data folder by default; tests inject a full disk). */
export function freeDiskCheck(d: Pick<CoreFactDeps, 'dataDir' | 'minFreeDiskMb'> & { readonly freeBytes?: (dir: string) => Promise<number> }): SealCheck {
  const freeBytes = d.freeBytes ?? (async (dir: string) => {
    const s = await fsp.statfs(dir);
    return s.bavail * s.bsize;
  });
  return {
    id: 'core.free-disk',
    title: '磁盘剩余空间充足',
    order: 80,
    async run() {
      const freeMb = Math.floor((await freeBytes(d.dataDir)) / 1024 / 1024);
      return freeMb >= d.minFreeDiskMb
        ? { passed: true, reason: `数据目录所在磁盘剩余 ${freeMb} MB` }
        : { passed: false, reason: `数据目录所在磁盘仅剩 ${freeMb} MB，低于 ${d.minFreeDiskMb} MB`, fix: '请清理磁盘或更换数据目录后重新检测' };
    },
  };
}

export function passwordChangedCheck(d: Pick<CoreFactDeps, 'auth' | 'settings'>): SealCheck {
  return {
    id: 'core.password-changed',
    title: '正式考试已修改默认密码',
    order: 90,
    async run() {
      if (d.settings.get().mode !== 'formal') return { passed: true, reason: '模拟考试不要求修改默认密码' };
      return (await d.auth.isDefaultPassword())
        ? { passed: false, reason: '管理员仍在使用默认密码', fix: '请点击右上角“修改密码”设置新密码后重新检测' }
        : { passed: true, reason: '管理员已修改默认密码' };
    },
  };
}
