import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { makeTempDir } from '../../../core/testing/test-server';
import { waitFor } from '../../../core/testing/wait-for';
import { startMonitorSite, type MonitorSite } from '../../integration/monitor/monitor-site';
import { ROOM_STATUS_KIND, SESSION_ENDED_KIND, SESSION_STARTED_KIND } from '../../../plugins/monitor/api/centre-reports';
import type { Notice } from '../../../plugins/monitor/api/contract';
import { startCentreSimulator, type RunningCentreSimulator } from '../centre/centre-simulator';
import { runCli } from './run-cli';
import { advanceRoom, parseRegistrationCodes, type SimulatedRoom } from './room-simulation';

const ROOM3 = '11003003';

describe('proctor CLI: monitoring commands and simulate, centre simulator records the reports (issue 11 point 8)', function () {
  this.timeout(90_000);
  let centre: RunningCentreSimulator;
  let site: MonitorSite;
  let dir: string;

  before(async () => {
    dir = makeTempDir('examsite-proctor-sim-');
    centre = await startCentreSimulator({ dataDir: path.join(dir, 'centre'), port: 0 });
    site = await startMonitorSite({
      monitor: { statusReportSeconds: 1 },
      config: { centreUrl: centre.url, centreRetryBaseMs: 50, centreRetryMaxMs: 100 },
    });
  });
  after(async () => {
    await site?.stop();
    await centre?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const run = runCli;

  it('heartbeat, start, incident, ack and end on one room; simulate drives the others to the end; the centre records it all', async () => {
    const creds = path.join(dir, 'room3.json');
    const table = await site.admin.get<{ rooms: { roomCode: string; registrationCode: string }[] }>('/api/registration/rooms');
    const code3 = table.body.rooms.find((r) => r.roomCode === ROOM3)!.registrationCode;
    expect((await run('register', '--site', site.server.url, '--room', ROOM3, '--code', code3, '--credentials', creds)).code).to.equal(0);
    const notice = (await site.admin.post<Notice>('/api/monitor/notices', { roomCode: null, text: '开考延迟10分钟' })).body;

    const beat = await run('heartbeat', '--credentials', creds, '--session', '1', '--candidates', '6', '--logged-in', '4');
    expect(beat.code, beat.err).to.equal(0);
    expect(beat.out).to.contain(`通知 ${notice.id}`).and.to.contain('开考延迟10分钟');
    const ack = await run('ack', '--credentials', creds, '--notice', String(notice.id));
    expect(ack.code, ack.err).to.equal(0);
    expect(ack.out).to.contain(`已确认通知 ${notice.id}`);
    expect((await run('start', '--credentials', creds, '--session', '1')).out).to.contain('开考成功');
    const incident = await run('incident', '--credentials', creds, '--kind', '违纪', '--note', '考生携带手机', '--ticket', '110030030002', '--session', '1', '--json');
    expect(incident.code, incident.err).to.equal(0);
    const reported = JSON.parse(incident.out) as { id: number; kind: string };
    expect(reported.kind).to.equal('违纪');
    const badKind = await run('incident', '--credentials', creds, '--kind', '停电', '--note', 'x');
    expect(badKind.code).to.equal(1);
    expect(badKind.err).to.contain('--kind 应为 考生机故障、换机、违纪、其他');
    expect((await run('end', '--credentials', creds, '--session', '1')).out).to.contain('结束考试成功');

    // The other two rooms: simulate reads the codes from the site (admin on loopback).
    const sim = await run('simulate', '--site', site.server.url, '--admin-password', '888', '--rooms', '2', '--seconds', '3', '--interval', '0.5', '--start-after', '1', '--end-after', '2', '--credentials-dir', path.join(dir, 'proctors'), '--json');
    expect(sim.code, sim.err).to.equal(0);
    const summary = JSON.parse(sim.out) as { rooms: number; beats: number; started: number; ended: number; noticesAcknowledged: number; errors: number };
    expect(summary).to.include({ rooms: 2, started: 2, ended: 2, noticesAcknowledged: 2, errors: 0 });
    expect(summary.beats).to.be.at.least(8);
    expect((await site.overview()).notices[0]!.pendingRooms).to.deep.equal([]);
    const page = await site.overview('?session=1');
    for (const row of page.rows) expect(row.live).to.include({ state: 'ended', sessionNo: 1 });

    // A second run re-uses the saved credentials (a held room re-registers only with them).
    const again = await run('simulate', '--site', site.server.url, '--admin-password', '888', '--rooms', '2', '--seconds', '0.5', '--interval', '0.5', '--credentials-dir', path.join(dir, 'proctors'));
    expect(again.code, again.err).to.equal(0);

    // The centre simulator recorded start, end, and the incident in a room status report.
    await waitFor('centre got the reports', () => centre.reports(SESSION_ENDED_KIND).length === 1 && centre.incidents().length === 1, 15_000, 100);
    expect(centre.reports(SESSION_STARTED_KIND)).to.have.length(1);
    expect((centre.reports(SESSION_ENDED_KIND)[0]!.payload as { rooms: string[] }).rooms).to.have.length(3);
    expect(centre.incidents()[0]).to.include({ id: reported.id, roomCode: ROOM3, kind: '违纪', note: '考生携带手机', ticketNo: '110030030002' });
    expect(centre.reports(ROOM_STATUS_KIND).length).to.be.at.least(1);
    const viaHttp = (await (await fetch(`${centre.url}/sim/incidents`)).json()) as { id: number }[];
    expect(viaHttp.map((i) => i.id)).to.deep.equal([reported.id]);
  });

  it('simulate without codes or with a broken codes file fails with a Chinese message', async () => {
    const none = await run('simulate', '--site', site.server.url);
    expect(none.code).to.equal(1);
    expect(none.err).to.contain('请用 --codes 指定注册码文件');
    const bad = path.join(dir, 'codes.csv');
    fs.writeFileSync(bad, '110030,ABC\n');
    const broken = await run('simulate', '--site', site.server.url, '--codes', bad);
    expect(broken.code).to.equal(1);
    expect(broken.err).to.contain('无法识别的注册码行：110030,ABC');
  });

  it('parses codes as CSV or JSON, and moves counts like a session', () => {
    expect(parseRegistrationCodes('考场代码,注册码\n11003001,AB12CD34\n11003002\tEF56GH78\n')).to.deep.equal([
      { roomCode: '11003001', registrationCode: 'AB12CD34' },
      { roomCode: '11003002', registrationCode: 'EF56GH78' },
    ]);
    expect(parseRegistrationCodes('{"11003001":"AB12CD34"}')).to.deep.equal([{ roomCode: '11003001', registrationCode: 'AB12CD34' }]);
    const room = { roomCode: '11003001', candidates: 30, loggedIn: 0, submitted: 0, state: 'idle' } as SimulatedRoom;
    advanceRoom(room, 0.1, 0.3, 0.9);
    expect(room.loggedIn).to.equal(10);
    advanceRoom(room, 0.5, 0.3, 0.9);
    expect([room.loggedIn, room.submitted]).to.deep.equal([30, 0]);
    advanceRoom(room, 0.75, 0.3, 0.9);
    expect(room.submitted).to.equal(15);
  });
});
