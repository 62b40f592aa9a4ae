import { expect } from 'chai';
import { makeTempDir } from '../../../core/testing/test-server';
import { startCentreSimulator, type RunningCentreSimulator } from '../../../test/sim/centre/centre-simulator';
import { buildSitePackage } from '../../../test/sim/centre/package-builder';
import { CentreSimState } from '../../../test/sim/centre/sim-state';
import { packageSpec, startLoadHarness, type LoadHarness, type RoomsBody } from './load-fixtures';
import type { ErrorBody } from '../../../core/http/errors';
import { freePort } from '../../../core/testing/free-port';
import { waitFor } from '../../../core/testing/wait-for';

interface DownloadBody {
  imported: boolean;
  roomCount: number;
  keptRegistrationCodes: number;
  releaseTime: string;
  check: { verified: boolean; verifiedAt: string | null; message: string | null };
}

describe('载入考务 against the centre simulator (R2.1, R2.2)', function () {
  this.timeout(60_000);
  let sim: RunningCentreSimulator | null = null;
  let h: LoadHarness | null = null;
  const simDirs: string[] = [];

  afterEach(async () => {
    await h?.stop();
    await sim?.stop();
    h = null;
    sim = null;
  });
  after(async () => {
    const fs = await import('node:fs');
    for (const d of simDirs) fs.rmSync(d, { recursive: true, force: true });
  });

  function simDir(): string {
    const d = makeTempDir('examsite-sim-');
    simDirs.push(d);
    return d;
  }

  it('R2.1 载入 downloads, verifies, stores and checks the release time with the centre (√ and the time)', async () => {
    sim = await startCentreSimulator({ dataDir: simDir() });
    await sim.publish(packageSpec({ rooms: 4 }));
    h = await startLoadHarness({ config: { centreUrl: sim.url, centreKeys: sim.keys.split(','), centreProbeIntervalMs: 200 } });

    const r = await h.client.post<DownloadBody>('/api/load/download');
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    expect(r.body).to.deep.include({ imported: true, roomCount: 4, keptRegistrationCodes: 0 });
    expect(r.body.check.verified).to.equal(true);
    expect(r.body.check.verifiedAt).to.be.a('string');

    const rooms = (await h.client.get<RoomsBody>('/api/load/rooms')).body;
    expect(rooms.rooms).to.have.length(4);
    expect(rooms.rooms.every((x) => x.verified && x.verifiedAt !== null)).to.equal(true);
    expect(rooms.release).to.include({ manualImportAt: null, verified: true, checkMessage: null });
    const codes = await h.data.listRooms();

    // 载入 again with nothing new: nothing imported, still confirmed.
    const again = await h.client.post<DownloadBody>('/api/load/download');
    expect(again.status, JSON.stringify(again.body)).to.equal(200);
    expect(again.body).to.deep.include({ imported: false, roomCount: 4 });
    expect(again.body.check.verified).to.equal(true);

    // The centre publishes a newer release: the check says so, 载入 takes it and keeps the codes.
    await sim.publish(packageSpec({ rooms: 5, releaseTime: '2026-12-09T10:00:00+08:00' }));
    const check = await h.client.post<DownloadBody['check']>('/api/load/check');
    expect(check.status).to.equal(200);
    expect(check.body).to.deep.equal({ verified: false, verifiedAt: null, message: '监控平台已发布更新的考场数据（发布时间 2026-12-09 10:00:00），请重新载入' });
    const newer = await h.client.post<DownloadBody>('/api/load/download');
    expect(newer.body).to.deep.include({ imported: true, roomCount: 5, keptRegistrationCodes: 4 });
    expect(newer.body.check.verified).to.equal(true);
    const after = await h.data.listRooms();
    for (const c of codes) expect(after.find((x) => x.roomCode === c.roomCode)!.registrationCode).to.equal(c.registrationCode);
  });

  it('R2.2 a failed download says so, points to manual import and changes nothing', async () => {
    const port = await freePort(); // nothing listens there
    h = await startLoadHarness({ config: { centreUrl: `http://127.0.0.1:${port}`, centreProbeIntervalMs: 200 } });
    const before = await h.snapshot();
    const r = await h.client.post<ErrorBody>('/api/load/download');
    expect(r.status).to.equal(502);
    expect(r.body.error.code).to.equal('DOWNLOAD_FAILED');
    expect(r.body.error.message).to.match(/^考场数据包下载失败：.+。可以使用“手工导入”导入数据包文件$/);
    expect(await h.snapshot()).to.equal(before);

    const check = await h.client.post<ErrorBody>('/api/load/check');
    expect(check.status).to.equal(409);
    expect(check.body.error.message).to.equal('尚未载入考务数据，请先点击“载入”或手工导入数据包');
  });

  it('R2.2 offline manual import shows "-" until the centre confirms; the check re-runs when the network comes back', async () => {
    const dir = simDir();
    const state = new CentreSimState(dir);
    // The centre published this package; the site gets it on a USB stick (write-package does the same).
    const built = await buildSitePackage(packageSpec({ rooms: 2 }), state.signingKey);
    state.savePublished(built);
    const port = await freePort();
    h = await startLoadHarness({ config: { centreUrl: `http://127.0.0.1:${port}`, centreKeys: state.keysValue.split(','), centreProbeIntervalMs: 200 } });

    const r = await h.importZip(built.bytes);
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    await new Promise((res) => setTimeout(res, 600));
    let rooms = (await h.client.get<RoomsBody>('/api/load/rooms')).body;
    expect(rooms.release).to.include({ verified: false, verifiedAt: null });
    expect(rooms.release!.manualImportAt).to.be.a('string');
    expect(rooms.rooms.every((x) => !x.verified && x.verifiedAt === null)).to.equal(true);

    sim = await startCentreSimulator({ dataDir: dir, port });
    rooms = await waitFor('the release check after the network came back', async () => {
      const body = (await h!.client.get<RoomsBody>('/api/load/rooms')).body;
      return body.release?.verified ? body : null;
    }, 10_000, 100);
    expect(rooms.release!.verifiedAt).to.be.a('string');
    expect(rooms.rooms.every((x) => x.verified && x.verifiedAt === rooms.release!.verifiedAt)).to.equal(true);
    // Still the manual import: its time stays in the footer.
    expect(rooms.release!.manualImportAt).to.be.a('string');
  });
});
