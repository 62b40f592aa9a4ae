import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { openBytes } from '../../../core/crypto';
import { coreServices } from '../../../core/services';
import type { ExamDataService } from '../api';
import { REGISTRATION_CODE_ALPHABET, contentAad } from '../api/package-format';
import { buildPackage, startLoadHarness, type LoadHarness, type RoomsBody } from './load-fixtures';
import type { ErrorBody } from '../../../core/http/errors';
import { startedForEachTest } from '../../../core/testing/started-fixture';

async function examData(h: LoadHarness): Promise<ExamDataService> {
  return h.data;
}

describe('载入考务: manual import and stored data (R2.2–R2.5)', function () {
  this.timeout(30_000);
  let h: LoadHarness;

  startedForEachTest(() => startLoadHarness(), (v) => {
    h = v;
  });

  it('R2.2 imports a package: rooms, sessions, candidates, registration codes, "-" until the centre confirms', async () => {
    const pkg = await buildPackage(h.key);
    const r = await h.importZip(pkg.bytes);
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    expect(r.body).to.deep.include({ roomCount: 3, keptRegistrationCodes: 0, releaseTime: pkg.releaseTime });

    const rooms = (await h.client.get<RoomsBody>('/api/load/rooms')).body;
    expect(rooms.rooms.map((x) => x.roomCode)).to.deep.equal(['11003001', '11003002', '11003003']);
    expect(rooms.rooms[0]).to.include({ sessionCount: 2, candidateCount: 24, verified: false, verifiedAt: null });
    expect(rooms.release).to.include({ releaseTime: pkg.releaseTime, verified: false, verifiedAt: null, mode: 'mock' });
    expect(rooms.release!.manualImportAt).to.be.a('string');

    const data = await examData(h);
    const codes = await Promise.all(pkg.roomCodes.map((c) => data.registrationCodeOf(c)));
    for (const code of codes) {
      expect(code).to.have.length(8);
      for (const ch of code!) expect(REGISTRATION_CODE_ALPHABET).to.include(ch);
    }
    expect(new Set(codes).size).to.equal(3);
    expect(await data.roomsOfSession(1)).to.deep.equal(pkg.roomCodes);

    const detail = await h.client.get<{ sessions: unknown[]; candidates: { name: string; seatNo: number; sessionNo: number }[] }>('/api/load/rooms/11003002');
    expect(detail.status).to.equal(200);
    expect(detail.body.sessions).to.have.length(2);
    expect(detail.body.candidates).to.have.length(24);
    expect(detail.body.candidates[0]!.name).to.match(/^[\u4e00-\u9fa5]{2,3}$/);

    // The sealed content is stored as delivered and opens with the session key the centre keeps.
    const content = await data.encryptedContent(1);
    expect(content).to.not.equal(null);
    const plain = openBytes(Buffer.from(pkg.sessionKeys[1]!, 'base64'), content!.bytes, contentAad('11003', 'mock', 1));
    expect(JSON.parse(plain.toString('utf8'))).to.have.property('sessionNo', 1);

    const missing = await h.client.get<ErrorBody>('/api/load/rooms/11003009');
    expect(missing.status).to.equal(404);
    expect(missing.body.error.message).to.equal('考场 11003009 不在已载入的考务数据中');
  });

  it('R2.4 door sheet and seat chart: printable A4 HTML with every value escaped', async () => {
    const pkg = await buildPackage(h.key, {}, {
      editManifest: (m) => {
        m.rooms[0]!.name = '<script>alert(1)</script>考场';
      },
    });
    expect((await h.importZip(pkg.bytes)).status).to.equal(200);
    const res = await h.client.get<string>('/api/load/rooms/11003001/door-sheet');
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^text\/html/);
    const html = res.body;
    expect(html).to.include('@page { size: A4');
    expect(html).to.include('@media print');
    expect(html).to.include('门贴');
    expect(html).to.include('座次表');
    expect(html).to.include('讲 台');
    expect(html).to.not.include('<script>alert(1)</script>');
    expect(html).to.include('&#60;script&#62;alert(1)&#60;/script&#62;考场');
    // Issue 10 point 6: instants in China time with seconds, no raw ISO string.
    expect(html).to.match(/考场数据发布时间：\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/);
    expect(html).to.not.match(/\d{4}-\d{2}-\d{2}T\d{2}:/);
    const detail = (await h.client.get<{ candidates: { name: string }[] }>('/api/load/rooms/11003001')).body;
    for (const c of detail.candidates) expect(html).to.include(c.name);
  });

  it('R2.5 a newer release replaces the data atomically and keeps each remaining room’s registration code', async () => {
    const first = await buildPackage(h.key, { rooms: 3 });
    expect((await h.importZip(first.bytes)).status).to.equal(200);
    const data = await examData(h);
    const before = await data.listRooms();

    const newer = await buildPackage(h.key, { rooms: 4, candidatesPerRoom: 10, releaseTime: '2026-12-02T10:00:00+08:00', seed: 99 });
    const changed: unknown[] = [];
    data.onChanged((e) => changed.push(e));
    const r = await h.importZip(newer.bytes);
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    expect(r.body).to.deep.include({ roomCount: 4, keptRegistrationCodes: 3 });
    expect(changed).to.deep.equal([{ releaseTime: newer.releaseTime, roomCodes: newer.roomCodes }]);

    const after = await data.listRooms();
    for (const room of before) expect(after.find((x) => x.roomCode === room.roomCode)!.registrationCode).to.equal(room.registrationCode);
    expect(after.find((x) => x.roomCode === '11003004')!.registrationCode).to.have.length(8);
    expect(after[0]!.candidateCount).to.equal(20);
    const rooms = (await h.client.get<RoomsBody>('/api/load/rooms')).body;
    expect(rooms.release!.releaseTime).to.equal(newer.releaseTime);

    // A release with fewer rooms drops the rooms that left, keeps the others' codes.
    const fewer = await buildPackage(h.key, { rooms: 2, releaseTime: '2026-12-03T10:00:00+08:00' });
    expect((await h.importZip(fewer.bytes)).status).to.equal(200);
    const last = await data.listRooms();
    expect(last.map((x) => x.roomCode)).to.deep.equal(['11003001', '11003002']);
    expect(last.map((x) => x.registrationCode)).to.deep.equal(before.slice(0, 2).map((x) => x.registrationCode));
  });

  it('R2.5 §5 concurrent imports of one package: one is stored, the others refused, every session’s content still on disk', async () => {
    const pkg = await buildPackage(h.key);
    const answers = await Promise.all([h.importZip(pkg.bytes), h.importZip(pkg.bytes), h.importZip(pkg.bytes)]);
    expect(answers.map((a) => a.status).sort()).to.deep.equal([200, 422, 422]);
    for (const a of answers.filter((x) => x.status === 422)) {
      expect((a.body as ErrorBody).error.code).to.equal('PACKAGE_NOT_NEWER');
    }
    const data = await examData(h);
    for (const no of [1, 2]) {
      const content = await data.encryptedContent(no);
      expect(content, `content of session ${no}`).to.not.equal(null);
      openBytes(Buffer.from(pkg.sessionKeys[no]!, 'base64'), content!.bytes, contentAad('11003', 'mock', no));
    }
  });

  it('§5 a content file damaged on disk is never served: a coded error with a Chinese message saying what to do', async () => {
    const pkg = await buildPackage(h.key);
    expect((await h.importZip(pkg.bytes)).status).to.equal(200);
    const data = await examData(h);
    const { sha256 } = (await data.encryptedContent(1))!;
    const file = path.join(h.server.dataDir, 'plugins', 'load', 'content', `${sha256}.bin`);
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 1]! ^= 0x01;
    fs.writeFileSync(file, bytes);
    let err: (Error & { code?: string; status?: number }) | null = null;
    try {
      await data.encryptedContent(1);
    } catch (e) {
      err = e as Error & { code?: string; status?: number };
    }
    expect(err?.code).to.equal('CONTENT_CORRUPT');
    expect(err?.status).to.equal(500);
    expect(err?.message).to.match(/^考点机上的试题文件 [0-9a-f]{12}….bin 已损坏（磁盘错误或被改动），请联系考点管理员/);
  });

  it('R3.5 restoreRegistrationCodes sets codes of known rooms and refuses unknown rooms without changing anything', async () => {
    const pkg = await buildPackage(h.key);
    await h.importZip(pkg.bytes);
    const data = await examData(h);
    await data.restoreRegistrationCodes({ '11003001': 'ABCDEFGH' });
    expect(await data.registrationCodeOf('11003001')).to.equal('ABCDEFGH');

    const before = await h.snapshot();
    let err: Error | null = null;
    try {
      await data.restoreRegistrationCodes({ '11003002': 'HGFEDCBA', '11003099': 'ABCDEFGH' });
    } catch (e) {
      err = e as Error;
    }
    expect(err?.message).to.equal('考场 11003099 不在已载入的考务数据中，请先载入本考点的考务数据再恢复注册');
    err = null;
    try {
      await data.restoreRegistrationCodes({ '11003002': 'ABCDEFG0' });
    } catch (e) {
      err = e as Error;
    }
    expect(err?.message).to.equal('考场 11003002 的注册码格式错误，应为 8 位大写字母或数字（不含 0、O、1、I）');
    expect(await h.snapshot()).to.equal(before);
  });

  it('R9.6 refuses to switch mode while data of the other mode is loaded', async () => {
    const pkg = await buildPackage(h.key);
    await h.importZip(pkg.bytes);
    expect((await h.client.put('/api/auth/password', { oldPassword: '888', newPassword: 'Exam-Site-2026' })).status).to.equal(200);
    const r = await h.client.put<ErrorBody>('/api/settings', { siteCode: '11003', mode: 'formal' });
    expect(r.status).to.equal(409);
    expect(r.body.error.message).to.equal('已载入模拟考试数据，切换为正式考试前请先执行系统初始化');
    const status = await h.server.kernel.get(coreServices.settings);
    expect(status.get().mode).to.equal('mock');
  });

  it('issue 11 point 9: reads made while 400 rooms replace 3 (the import yields to the event loop) see the old rooms or the new ones, never a part', async () => {
    const first = await h.importZip((await buildPackage(h.key)).bytes);
    expect(first.status, JSON.stringify(first.body)).to.equal(200);
    const big = await buildPackage(h.key, { rooms: 400, seed: 8, releaseTime: '2026-12-02T10:00:00+08:00' });
    const seen: number[] = [];
    let importing = true;
    // A reader on every turn of the event loop, as the admin pages and the proctors' registrations are.
    const reader = (async () => {
      while (importing) {
        seen.push((await h.data.listRooms()).length);
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    const r = await h.importZip(big.bytes);
    importing = false;
    await reader;
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    expect(r.body).to.deep.include({ roomCount: 400 });
    expect(seen.length, 'the event loop turned during the import').to.be.greaterThan(5);
    expect([...new Set(seen)].filter((n) => n !== 3 && n !== 400), 'room counts seen mid-import').to.deep.equal([]);
    expect((await h.data.listRooms()).length).to.equal(400);
  });
});
