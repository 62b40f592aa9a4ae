import { expect } from 'chai';
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import { SoftDongle } from '../../../core/dongle/soft-dongle';
import type { Dongle } from '../../../core/dongle/dongle';
import type { ExamMode } from '../../../core/settings/site-settings';
import { donglePresentCheck, freeDiskCheck, passwordChangedCheck } from '../../../plugins/seal/server/core-seal-checks';

const MB = 1024 * 1024;

describe('封场检测: the items of facts core owns pass and fail with their messages (issue 11 done-when)', () => {
  it('机考锁已插入: passes with the dongle, fails without it and says to plug it in', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seal-dongle-'));
    try {
      const soft = await SoftDongle.open(dir);
      let current: Dongle | null = soft;
      const check = donglePresentCheck({ dongles: { current: () => current } });
      const present = await check.run();
      expect(present).to.include({ passed: true, reason: `已检测到模拟机考锁 ${soft.id()}` });
      current = null;
      expect(await check.run()).to.deep.equal({ passed: false, reason: '未检测到机考锁', fix: '请将机考锁插入考点电脑后重新检测' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('磁盘剩余空间充足: passes above the threshold, fails below it with the free and required MB', async () => {
    let free = 5000 * MB;
    const check = freeDiskCheck({ dataDir: '/data', minFreeDiskMb: 1024, freeBytes: async () => free });
    expect(await check.run()).to.deep.equal({ passed: true, reason: '数据目录所在磁盘剩余 5000 MB' });
    free = 300 * MB;
    expect(await check.run()).to.deep.equal({ passed: false, reason: '数据目录所在磁盘仅剩 300 MB，低于 1024 MB', fix: '请清理磁盘或更换数据目录后重新检测' });
    // Without an injected probe it reads the real disk of the folder.
    expect((await freeDiskCheck({ dataDir: os.tmpdir(), minFreeDiskMb: Number.MAX_SAFE_INTEGER }).run()).passed).to.equal(false);
    expect((await freeDiskCheck({ dataDir: os.tmpdir(), minFreeDiskMb: 0 }).run()).passed).to.equal(true);
  });

  it('正式考试已修改默认密码: fails in formal mode with the default password, passes once changed and in mock mode', async () => {
    let mode: ExamMode = 'formal';
    let isDefault = true;
    const check = passwordChangedCheck({ settings: { get: () => ({ siteCode: '11003', mode }) }, auth: { isDefaultPassword: async () => isDefault } });
    expect(await check.run()).to.deep.equal({ passed: false, reason: '管理员仍在使用默认密码', fix: '请点击右上角“修改密码”设置新密码后重新检测' });
    isDefault = false;
    expect(await check.run()).to.deep.equal({ passed: true, reason: '管理员已修改默认密码' });
    isDefault = true;
    mode = 'mock';
    expect(await check.run()).to.deep.equal({ passed: true, reason: '模拟考试不要求修改默认密码' });
  });
});
