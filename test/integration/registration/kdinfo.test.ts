import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { SOFT_DONGLE_FILE, SoftDongle } from '../../../core/dongle/soft-dongle';
import { KDINFO_DONGLE_LABEL, kdinfoKey, openKdinfo, sealKdinfo } from '../../../plugins/registration/server/kdinfo';
import { makeTempDir } from '../../../core/testing/test-server';
import type { ProctorCredentials } from '../../sim/proctor/credentials-file';
import { ProctorApiError, ProctorClient } from '../../sim/proctor/proctor-client';
import type { BuiltPackage, CentreSigningKey } from '../../sim/centre/sim-types';
import { buildPackage, newCentreKey, startSite, table, type RunningSite } from './site-harness';

const ROOM1 = '11003001';
const ROOM2 = '11003002';
const DAMAGED = 'KDINFO 文件已损坏或被篡改，无法恢复注册；请使用导出时得到的原始 KDINFO 文件';

/**
 * A reinstall on the same physical dongle is simulated by copying the soft dongle's key
 * file (<data>/soft-dongle.json) into the fresh data folder before the site starts.
 */
function freshDataDirWithDongleOf(oldDataDir: string | null): string {
  const dir = makeTempDir('examsite-kdinfo-');
  if (oldDataDir) fs.copyFileSync(path.join(oldDataDir, SOFT_DONGLE_FILE), path.join(dir, SOFT_DONGLE_FILE));
  return dir;
}

async function restore(site: RunningSite, bytes: Buffer) {
  return site.admin.post<{ restored: string[]; kept: unknown[]; message: string; error?: { code: string; message: string } }>(
    '/api/registration/restore',
    bytes,
    { 'content-type': 'application/octet-stream' },
  );
}

describe('KDINFO: 导出考点信息 and 恢复注册 (R3.1, R3.5)', function () {
  this.timeout(60_000);
  const dirs: string[] = [];
  let sourceDir: string;
  let kdinfo: Buffer;
  let oldCodes: Map<string, string>;
  let creds: ProctorCredentials[];
  let exportFolder: string;
  let key: CentreSigningKey;
  let pkg: BuiltPackage;

  before(async () => {
    sourceDir = freshDataDirWithDongleOf(null);
    exportFolder = makeTempDir('examsite-export-');
    dirs.push(sourceDir, exportFolder);
    key = newCentreKey();
    pkg = await buildPackage(key);
    const site = await startSite({ dataDir: sourceDir, key, pkg });
    try {
      oldCodes = await site.codes();
      const p1 = new ProctorClient(site.url);
      await p1.register({ roomCode: ROOM1, registrationCode: oldCodes.get(ROOM1)!, machineId: 'pc-1' });
      const p2 = new ProctorClient(site.url);
      await p2.register({ roomCode: ROOM2, registrationCode: oldCodes.get(ROOM2)!, machineId: 'pc-2' });
      creds = [p1.credentials!, p2.credentials!];

      const r = await site.admin.post<{ htmlFile: string; kdinfoFile: string; roomCount: number; registeredCount: number }>('/api/registration/export', {
        folder: exportFolder,
      });
      expect(r.status, JSON.stringify(r.body)).to.equal(200);
      expect(r.body).to.include({ roomCount: 3, registeredCount: 2 });
      expect(r.body.htmlFile).to.equal(path.join(exportFolder, '考点信息_11003.html'));
      expect(fs.readdirSync(exportFolder).sort()).to.deep.equal(['KDINFO', '考点信息_11003.html']);
      kdinfo = fs.readFileSync(path.join(exportFolder, 'KDINFO'));
    } finally {
      await site.stop();
    }
  });

  after(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  /** `pkg` defaults to the very package the source site loaded; null loads none. */
  async function siteWith(options: { dongleFrom: string | null; siteCode?: string; pkg?: BuiltPackage | null }): Promise<RunningSite> {
    const dir = freshDataDirWithDongleOf(options.dongleFrom);
    dirs.push(dir);
    return startSite({ dataDir: dir, siteCode: options.siteCode, key, pkg: options.pkg === undefined ? pkg : options.pkg });
  }

  it('R3.1 the sheet lists every room code, its registration code, a QR code and the LAN address, escaped and printable', () => {
    const html = fs.readFileSync(path.join(exportFolder, '考点信息_11003.html'), 'utf8');
    for (const [room, code] of oldCodes) {
      expect(html).to.contain(`>${room}<`);
      expect(html).to.contain(`>${code}<`);
    }
    expect(html.match(/<svg/g)).to.have.length(3);
    expect(html).to.match(/考点地址（加密）：https:\/\/[\d.]+:\d+/);
    expect(html).to.match(/证书指纹（SHA-256）：<span class="pin">([0-9A-F]{2}:){31}[0-9A-F]{2}</);
    expect(html).to.match(/未加密地址：http:\/\/[\d.]+:\d+（仅供不支持 TLS 的监考软件使用/);
    expect(html).to.contain('@page { size: A4');
    expect(html).to.contain('>127.0.0.1<'); // 注册IP of a registered room
    expect(kdinfo.subarray(0, 8).toString('ascii')).to.equal('EXKDINFO');
    // Nothing readable about codes or credentials in the KDINFO.
    for (const code of oldCodes.values()) expect(kdinfo.includes(Buffer.from(code))).to.equal(false);
  });

  it('R3.1 the browser downloads: the sheet as an HTML attachment, KDINFO as octet-stream', async () => {
    const site = await siteWith({ dongleFrom: sourceDir });
    try {
      const html = await fetch(`${site.url}/api/registration/export/html`, { headers: { authorization: `Bearer ${site.admin.token}` } });
      expect(html.status).to.equal(200);
      expect(html.headers.get('content-type')).to.contain('text/html');
      expect(html.headers.get('content-disposition')).to.contain(`filename*=UTF-8''${encodeURIComponent('考点信息_11003.html')}`);
      const text = await html.text();
      expect(text).to.contain('考点信息 — 考点 11003');
      // The product's style (issue 10 point 8): its title band and colours.
      expect(text).to.contain('<div class="product">考点管理系统</div>');
      expect(text).to.contain('background: #1f4e8c');
      for (const code of (await site.codes()).values()) expect(text).to.contain(`>${code}<`);
      const kd = await fetch(`${site.url}/api/registration/export/kdinfo`, { headers: { authorization: `Bearer ${site.admin.token}` } });
      expect(kd.status).to.equal(200);
      expect(kd.headers.get('content-type')).to.equal('application/octet-stream');
      expect(Buffer.from(await kd.arrayBuffer()).subarray(0, 8).toString('ascii')).to.equal('EXKDINFO');
      const anon = await fetch(`${site.url}/api/registration/export/kdinfo`);
      expect(anon.status).to.equal(401);
    } finally {
      await site.stop();
    }
  });

  it('R3.5 restore on a reinstalled site (fresh data folder, same dongle and package): old credentials keep working', async () => {
    // The same package, loaded again on the fresh install: new registration codes.
    const site = await siteWith({ dongleFrom: sourceDir });
    try {
      expect(await site.code(ROOM1)).to.not.equal(oldCodes.get(ROOM1));
      const before = ProctorClient.fromCredentials({ ...creds[0]!, siteUrl: site.url });
      try {
        await before.whoami();
        expect.fail('credentials must not work before the restore');
      } catch (e) {
        expect((e as ProctorApiError).status).to.equal(401);
      }

      const r = await restore(site, kdinfo);
      expect(r.status, JSON.stringify(r.body)).to.equal(200);
      expect(r.body.restored).to.deep.equal([ROOM1, ROOM2]);
      expect(r.body.message).to.equal('已恢复注册码，并恢复 2 个考场的注册');

      for (const [i, room] of [ROOM1, ROOM2].entries()) {
        const p = ProctorClient.fromCredentials({ ...creds[i]!, siteUrl: site.url });
        const who = await p.whoami();
        expect(who).to.include({ roomCode: room, machineId: `pc-${i + 1}`, registrationId: creds[i]!.registrationId });
        expect((await p.room()).roomCode).to.equal(room);
      }
      const t = await table(site);
      expect(t.registeredCount).to.equal(2);
      expect(t.unregisteredCount).to.equal(1);
      for (const row of t.rooms) expect(row.registrationCode).to.equal(oldCodes.get(row.roomCode));
      // The printed sheet still works for the room that never registered.
      const p3 = new ProctorClient(site.url);
      await p3.register({ roomCode: '11003003', registrationCode: oldCodes.get('11003003')!, machineId: 'pc-3' });

      // Importing the same KDINFO again changes nothing (rooms registered are the same ones).
      const again = await restore(site, kdinfo);
      expect(again.status).to.equal(200);
      expect((await table(site)).registeredCount).to.equal(3);
    } finally {
      await site.stop();
    }
  });

  describe('refusals change nothing (R3.5, security bar)', () => {
    async function expectRefused(site: RunningSite, bytes: Buffer, status: number, message: string | RegExp): Promise<void> {
      const codesBefore = await site.codes();
      const r = await restore(site, bytes);
      expect(r.status, JSON.stringify(r.body)).to.equal(status);
      if (typeof message === 'string') expect(r.body.error!.message).to.equal(message);
      else expect(r.body.error!.message).to.match(message);
      expect(await site.codes()).to.deep.equal(codesBefore);
      const t = await table(site);
      expect(t.registeredCount).to.equal(0);
      for (const c of creds) {
        const res = await fetch(`${site.url}/api/proctor/v1/whoami`, { headers: { authorization: `Bearer ${c.token}` } });
        expect(res.status).to.equal(401);
      }
    }

    let site: RunningSite;
    afterEach(async () => {
      await site?.stop();
    });

    it('a KDINFO of another site', async () => {
      site = await siteWith({ dongleFrom: sourceDir, siteCode: '11004', pkg: await buildPackage(key, { siteCode: '11004' }) });
      await expectRefused(site, kdinfo, 400, 'KDINFO 属于考点 11003，与本考点 11004 不一致，无法恢复注册');
    });

    it('a KDINFO made with another dongle', async () => {
      site = await siteWith({ dongleFrom: null });
      await expectRefused(site, kdinfo, 400, /^KDINFO 是用另一个机考锁（SOFT-[0-9A-F]{8}）导出的，与当前机考锁（SOFT-[0-9A-F]{8}）不一致/);
    });

    it('a tampered KDINFO (one bit of the body, or the clear header)', async () => {
      site = await siteWith({ dongleFrom: sourceDir });
      const body = Buffer.from(kdinfo);
      body[body.length - 40]! ^= 0x01;
      await expectRefused(site, body, 400, DAMAGED);
      const header = Buffer.from(kdinfo.toString('latin1').replace('"exportedAt":"2', '"exportedAt":"3'), 'latin1');
      expect(header.equals(kdinfo)).to.equal(false);
      await expectRefused(site, header, 400, DAMAGED);
    });

    it('a truncated KDINFO', async () => {
      site = await siteWith({ dongleFrom: sourceDir });
      await expectRefused(site, kdinfo.subarray(0, kdinfo.length - 7), 400, DAMAGED);
      await expectRefused(site, kdinfo.subarray(0, 30), 400, DAMAGED);
      await expectRefused(site, kdinfo.subarray(0, 5), 400, '所选文件不是 KDINFO 文件（或已损坏），请选择“导出考点信息”得到的 KDINFO 文件');
    });

    it('a correctly sealed KDINFO whose content is inconsistent (one credential under two rooms)', async () => {
      // Only someone holding the dongle could write this; the restore still refuses it whole.
      const dongle = await SoftDongle.open(sourceDir);
      const key = kdinfoKey(await dongle.deriveKey(KDINFO_DONGLE_LABEL), '11003');
      const body = openKdinfo(kdinfo, '11003', key, dongle.id());
      const twin = { ...body.registrations[0]!, roomCode: '11003003', registrationId: 'twin' };
      const forged = sealKdinfo({ ...body, registrations: [...body.registrations, twin] }, key, dongle.id());
      dongle.close();
      site = await siteWith({ dongleFrom: sourceDir });
      await expectRefused(site, forged, 400, DAMAGED);
    });

    it('a KDINFO of the other mode (正式考试 on a 模拟考试 site) says what to do', async () => {
      // Sealed with the right dongle and site: only the mode is wrong.
      const dongle = await SoftDongle.open(sourceDir);
      const key = kdinfoKey(await dongle.deriveKey(KDINFO_DONGLE_LABEL), '11003');
      const body = openKdinfo(kdinfo, '11003', key, dongle.id());
      expect(body.mode).to.equal('mock');
      const formal = sealKdinfo({ ...body, mode: 'formal' }, key, dongle.id());
      dongle.close();
      site = await siteWith({ dongleFrom: sourceDir });
      await expectRefused(
        site,
        formal,
        400,
        'KDINFO 是正式考试的考点信息，当前为模拟考试，无法恢复注册；请选择模拟考试时导出的 KDINFO 文件，或先在“系统设置”中将考试模式改为正式考试再恢复注册',
      );
    });

    it('a KDINFO of another package (or none loaded)', async () => {
      site = await siteWith({ dongleFrom: sourceDir, pkg: await buildPackage(key, { releaseTime: '2026-12-02T20:00:00+08:00' }) });
      await expectRefused(site, kdinfo, 409, /^KDINFO 对应的考场数据包（发布时间 2026-12-01 20:00:00）与当前载入的数据包（发布时间 2026-12-02 20:00:00）不一致/);
      await site.stop();
      site = await siteWith({ dongleFrom: sourceDir, pkg: null });
      await expectRefused(site, kdinfo, 409, /^尚未载入考务数据：请先载入与导出时相同的考场数据包/);
    });
  });

  describe('export input checks (R3.1)', () => {
    let site: RunningSite;
    afterEach(async () => {
      await site?.stop();
    });

    it('refuses a relative, missing or non-folder path with a Chinese message and writes nothing', async () => {
      site = await siteWith({ dongleFrom: sourceDir });
      const rel = await site.admin.post<{ error: { message: string } }>('/api/registration/export', { folder: 'exports' });
      expect(rel.status).to.equal(400);
      expect(rel.body.error.message).to.contain('不是完整路径');
      const missingDir = path.join(exportFolder, 'nope');
      const missing = await site.admin.post<{ error: { message: string } }>('/api/registration/export', { folder: missingDir });
      expect(missing.status).to.equal(400);
      expect(missing.body.error.message).to.equal(`导出目录 ${missingDir} 不存在，请先创建该目录或重新选择`);
      const file = await site.admin.post<{ error: { message: string } }>('/api/registration/export', { folder: path.join(exportFolder, 'KDINFO') });
      expect(file.status).to.equal(400);
      expect(file.body.error.message).to.contain('不是目录');
      expect(fs.existsSync(missingDir)).to.equal(false);
      expect(fs.readdirSync(exportFolder).sort()).to.deep.equal(['KDINFO', '考点信息_11003.html']);
    });

    it('refuses to export before exam data is loaded', async () => {
      site = await siteWith({ dongleFrom: sourceDir, pkg: null });
      const r = await site.admin.post<{ error: { message: string; goTo?: unknown } }>('/api/registration/export', { folder: exportFolder });
      expect(r.status).to.equal(409);
      expect(r.body.error.message).to.equal('尚未载入考务数据，无法导出考点信息；请先完成第 1 步“导入考务”');
      // The step it needs, typed (issue 10 point 8): the UI offers 前往 from it.
      expect(r.body.error.goTo).to.deep.equal({ area: 'before', step: 1, label: '第 1 步“导入考务”' });
    });
  });
});
