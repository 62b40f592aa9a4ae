import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { FTPError, type Client } from 'basic-ftp';
import { makeTempDir } from '../../../core/testing/test-server';
import { declare, ftpLogin, proctorClient, rawFtpReply, sha256Of, startFtpSite, streamOf, type FtpSite } from './ftp-harness';

async function ftpRefusal(work: Promise<unknown>): Promise<FTPError> {
  try {
    await work;
  } catch (e) {
    if (e instanceof FTPError) return e;
    throw e;
  }
  throw new Error('expected an FTP refusal');
}

describe('FTP 上传 of result packages (issue 12 point 3)', function () {
  this.timeout(30_000);
  let site: FtpSite;
  let room: string;
  let other: string;
  let ftp: Client;

  before(async () => {
    site = await startFtpSite();
    [room, other] = site.rooms as [string, string];
  });
  after(() => site.stop());
  beforeEach(async () => {
    ftp = await ftpLogin(site, room, site.tokens.get(room) as string);
  });
  afterEach(() => ftp.close());

  const partial = (room: string, fileName: string): string =>
    path.join(site.server.dataDir, 'plugins', 'collection', '.partial', `ftp-${room}-${fileName.replace(/\.zip$/, '')}.part`);
  const partials = (): string[] => fs.readdirSync(path.join(site.server.dataDir, 'plugins', 'collection', '.partial')).filter((n) => n.endsWith('.part'));

  it('the status bar shows FTP服务 运行 while the server runs', async () => {
    const s = await site.admin.get<{ items: { id: string; label: string; text: string }[] }>('/api/status');
    expect(s.body.items.find((i) => i.id === 'collection.ftp')).to.include({ label: 'FTP服务', text: '运行' });
  });

  it('refuses PORT and EPRT (passive mode only)', async () => {
    const port = await ftpRefusal(ftp.send('PORT 127,0,0,1,200,10'));
    expect(port.code).to.equal(502);
    const eprt = await ftpRefusal(ftp.send('EPRT |1|127.0.0.1|51210|'));
    expect(eprt.code).to.equal(502);
  });

  it('refuses a wrong credential and a credential of another room', async () => {
    const wrong = await ftpRefusal(ftpLogin(site, room, 'not-a-credential'));
    expect(wrong.code).to.equal(530);
    const otherRoom = await ftpRefusal(ftpLogin(site, room, site.tokens.get(other) as string));
    expect(otherRoom.code).to.equal(530);
    expect(otherRoom.message).to.include(`不能以考场 ${room} 登录`);
    const notARoom = await ftpRefusal(ftpLogin(site, '../../etc', site.tokens.get(room) as string));
    expect(notARoom.code).to.equal(530);
  });

  it('refuses every traversal form and links, and writes nothing outside the room folder', async () => {
    const bytes = randomBytes(1000);
    const intent = await declare(site, room, 1, bytes);
    const outside = path.join(site.server.dataDir, 'outside.txt');
    fs.writeFileSync(outside, 'secret');
    await refusesEveryForm(intent.fileName, bytes, outside);
    // A link put in place of the upload's own file is refused too.
    const cut = await ftpRefusal(ftp.uploadFrom(streamOf(bytes.subarray(0, 10)), intent.fileName));
    expect(cut.message).to.include('REST 10');
    const part = partial(room, intent.fileName);
    fs.rmSync(part);
    fs.symlinkSync(outside, part);
    try {
      for (const attempt of [() => ftp.send(`SIZE ${intent.fileName}`), () => ftp.uploadFrom(streamOf(bytes), intent.fileName)]) {
        const e = await ftpRefusal(attempt());
        expect(e.code).to.equal(550);
        expect(e.message).to.include('不是普通文件');
      }
      expect(fs.readFileSync(outside, 'utf8')).to.equal('secret');
    } finally {
      fs.rmSync(part);
    }
  });

  async function refusesEveryForm(fileName: string, bytes: Buffer, outside: string): Promise<void> {
    const forms = [
      `../${other}/${fileName}`,
      `../../../../outside.txt`,
      `/../${fileName}`,
      `/${other}/${fileName}`,
      `${site.server.dataDir}/outside.txt`,
      `C:${fileName}`,
      `C:/Windows/${fileName}`,
      `..\\${fileName}`,
      `sub\\${fileName}`,
    ];
    for (const name of forms) {
      const e = await ftpRefusal(ftp.uploadFrom(streamOf(bytes), name));
      expect(e.code, name).to.equal(550);
      const size = await ftpRefusal(ftp.send(`SIZE ${name}`));
      expect(size.code, name).to.equal(550);
    }
    // NUL bytes: basic-ftp will not send them, so over a bare control connection.
    const nul = await rawFtpReply(site, room, site.tokens.get(room) as string, `SIZE ${fileName}\u0000/../../outside.txt`);
    expect(nul).to.match(/^550 .*控制字符或空字节/);
    for (const dir of ['..', '../..', `/${other}`, '/etc', 'C:\\']) {
      const cwd = await ftpRefusal(ftp.cd(dir));
      expect(cwd.code, dir).to.equal(550);
    }
    expect(await ftp.pwd()).to.equal('/');
    expect(fs.readFileSync(outside, 'utf8')).to.equal('secret');
    expect(partials().filter((n) => n.includes(other))).to.deep.equal([]);
    expect(await site.accepted()).to.deep.equal([]);
  }

  it('refuses a STOR that was not declared over HTTP first', async () => {
    const e = await ftpRefusal(ftp.uploadFrom(streamOf(randomBytes(100)), 'S1-0000000000000000.zip'));
    expect(e.code).to.equal(550);
    expect(e.message).to.include('上传声明');
  });

  it('a cut upload is not accepted, and REST resumes it to the declared hash; the real intake stores it', async () => {
    const bytes = await site.packageBytes(room, 1, 3 * 1024 * 1024 + 17);
    const intent = await declare(site, room, 1, bytes);
    expect(intent.offset).to.equal(0);
    const half = 1024 * 1024 + 5;
    const cut = await ftpRefusal(ftp.uploadFrom(streamOf(bytes.subarray(0, half)), intent.fileName));
    expect(cut.code).to.equal(550);
    expect(cut.message).to.include(`REST ${half}`);
    expect(await site.accepted()).to.deep.equal([]);

    const again = await declare(site, room, 1, bytes);
    expect(again.fileName).to.equal(intent.fileName);
    expect(again.offset).to.equal(half);
    expect(again.state).to.equal('receiving');
    expect(await ftp.size(intent.fileName)).to.equal(half);
    expect((await ftp.list()).map((f) => [f.name, f.size])).to.deep.equal([[intent.fileName, half]]);

    await ftp.send(`REST ${half}`);
    await ftp.uploadFrom(streamOf(bytes.subarray(half)), intent.fileName);
    expect(await site.accepted()).to.deep.equal([{ roomCode: room, sessionNo: 1, sha256: sha256Of(bytes), size: bytes.length }]);
    const status = await proctorClient(site, room).get<{ state: string; receipt: { body: { packageSha256: string; via: string } } }>(
      `/api/proctor/v1/sessions/1/results/ftp/${intent.fileName}`,
    );
    expect(status.body.state).to.equal('accepted');
    expect(status.body.receipt.body).to.include({ packageSha256: sha256Of(bytes), via: 'ftp' });
    // The verified file went to the intake; nothing is left partial.
    expect(partials()).to.deep.equal([]);
    expect((await ftp.list()).map((f) => f.name)).to.deep.equal([]);
    const twice = await ftpRefusal(ftp.uploadFrom(streamOf(bytes), intent.fileName));
    expect(twice.message).to.include('已被考点接收');
  });

  it('refuses a file whose size or SHA-256 differs from the declaration', async () => {
    const bytes = await site.packageBytes(room, 2, 200_000);
    const intent = await declare(site, room, 2, bytes);
    const longer = await ftpRefusal(ftp.uploadFrom(streamOf(Buffer.concat([bytes, Buffer.from('x')])), intent.fileName));
    expect(longer.message).to.include('超过声明的文件大小');
    // A plain STOR (no REST) after that starts over from the first byte.
    const flipped = Buffer.from(bytes);
    flipped[1000] = (flipped[1000] as number) ^ 0xff;
    const wrong = await ftpRefusal(ftp.uploadFrom(streamOf(flipped), intent.fileName));
    expect(wrong.message).to.include('SHA-256 与声明的不一致');
    const ofSession2 = async (): Promise<string[]> => (await site.accepted()).filter((a) => a.sessionNo === 2).map((a) => a.sha256);
    expect(await ofSession2()).to.deep.equal([]);
    // A wrong file is discarded, so the right one starts clean.
    expect((await declare(site, room, 2, bytes)).offset).to.equal(0);
    await ftp.uploadFrom(streamOf(bytes), intent.fileName);
    expect(await ofSession2()).to.deep.equal([sha256Of(bytes)]);
  });

  it('a bad declaration is refused in Chinese and declares nothing', async () => {
    const r = await proctorClient(site, room).post<{ error: { message: string } }>('/api/proctor/v1/sessions/1/results/ftp-intent', { size: -1, sha256: 'abc' });
    expect(r.status).to.equal(400);
    expect(r.body.error.message).to.match(/size|sha256/);
    expect(r.body.error.message).to.match(/[\u4e00-\u9fa5]/);
    const none = await proctorClient(site, room).get(`/api/proctor/v1/sessions/1/results/ftp/S1-${'a'.repeat(16)}.zip`);
    expect(none.status).to.equal(404);
  });
});

describe('FTP 上传 on a full disk (issue 12 point 3, issue 9 point 4)', function () {
  this.timeout(30_000);
  const canMount = process.platform === 'linux' && process.getuid?.() === 0;
  let site: FtpSite;
  let mountPoint: string;

  before(async function () {
    if (!canMount) this.skip();
    const dataDir = makeTempDir('ftp-full-');
    mountPoint = path.join(dataDir, 'plugins', 'collection');
    fs.mkdirSync(mountPoint, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', mountPoint]);
    site = await startFtpSite({ dataDir });
  });
  after(async () => {
    if (!canMount) return;
    await site?.stop();
    execFileSync('umount', [mountPoint]);
    fs.rmSync(path.dirname(path.dirname(mountPoint)), { recursive: true, force: true });
  });

  it('is a clear error, the server stays up, and the upload resumes once space is freed', async () => {
    const room = site.rooms[0] as string;
    const bytes = await site.packageBytes(room, 1, 6 * 1024 * 1024);
    const intent = await declare(site, room, 1, bytes);
    const ftp = await ftpLogin(site, room, site.tokens.get(room) as string);
    try {
      const full = await ftpRefusal(ftp.uploadFrom(streamOf(bytes), intent.fileName));
      expect(full.code).to.equal(550);
      expect(full.message).to.include('磁盘空间不足');
      expect(await site.accepted()).to.deep.equal([]);
    } finally {
      ftp.close();
    }
    // The site still answers, over HTTP and FTP.
    expect((await site.admin.get('/api/status')).status).to.equal(200);
    const held = (await declare(site, room, 1, bytes)).offset;
    expect(held).to.be.greaterThan(0).and.lessThan(bytes.length);

    execFileSync('mount', ['-o', 'remount,size=16m', mountPoint]);
    const again = await ftpLogin(site, room, site.tokens.get(room) as string);
    try {
      expect(await again.size(intent.fileName)).to.equal(held);
      await again.send(`REST ${held}`);
      await again.uploadFrom(streamOf(bytes.subarray(held)), intent.fileName);
    } finally {
      again.close();
    }
    expect((await site.accepted()).map((a) => a.sha256)).to.deep.equal([sha256Of(bytes)]);
  });
});
