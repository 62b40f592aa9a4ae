// Issue 15 point 4 (and issue 10 point 1 with real addresses): the exam LAN built from Linux
// network namespaces — the site PC, a candidate PC and a registered proctor PC, each with its
// own address on one bridge — and the candidate PC attacking the real product process: the
// admin surface, registration-code and FTP guessing, active-mode FTP, slow and idle
// connections. The proctor PC must keep working throughout (heartbeats answered within 1 s).
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { makeTempDir } from '../../core/testing/test-server';
import { buildSitePackage, defaultSessions } from '../sim/centre/package-builder';
import { ProductProcess } from '../integration/product-process';
import { adminOf, centreKey } from '../integration/site-state';
import { buildExamLan, lanUnavailable, type ExamLan } from './lan-topology';

const PROBE = path.resolve(__dirname, 'lan-probe.js');
const PROCTOR_CLI = path.resolve(__dirname, '../sim/proctor/cli.js');
const SITE = '11003';

interface Beats {
  readonly count: number;
  readonly max: number | null;
  readonly p99: number | null;
  readonly errors: readonly string[];
}

interface Flood {
  readonly kind: string;
  readonly opened: number;
  readonly closedBySite: number;
  readonly stillOpen: number;
  readonly refused: number;
}

describe('the exam LAN from a candidate PC: admin refused, guessing throttled, FTP closed, floods survived (issue 15 point 4)', function () {
  this.timeout(240_000);
  let lan: ExamLan | null = null;
  let product: ProductProcess | null = null;
  let base = '';
  let ftpPort = 0;
  let rooms: { roomCode: string; registrationCode: string }[] = [];
  const work = makeTempDir('hostile-lan-');
  const credsOf = (room: string): string => path.join(work, `proctor-${room}.json`);
  const figures: string[] = [];

  let pin = '';
  const register = (room: { roomCode: string; registrationCode: string }): Promise<{ roomCode: string }> =>
    lan!.runIn(lan!.proctor, PROCTOR_CLI, ['register', '--site', base, '--room', room.roomCode, '--code', room.registrationCode, '--credentials', credsOf(room.roomCode), '--json']);
  /** Over TLS on the same port, pinning the fingerprint the registration panel shows. */
  const registerOverTls = (room: { roomCode: string; registrationCode: string }, withPin: string): Promise<{ roomCode: string }> =>
    lan!.runIn(lan!.proctor, PROCTOR_CLI, [
      'register', '--site', base.replace(/^http:/, 'https:'), '--pin', withPin, '--room', room.roomCode, '--code', room.registrationCode, '--credentials', credsOf(room.roomCode), '--json',
    ]);

  before(async function () {
    const why = lanUnavailable();
    if (why) {
      this.test!.parent!.title += ` — pending: ${why}`;
      this.skip();
    }
    lan = buildExamLan();
    const key = centreKey();
    const pkg = await buildSitePackage({ siteCode: SITE, mode: 'mock', rooms: 3, candidatesPerRoom: 5, sessions: defaultSessions(1), releaseTime: '2026-12-01T10:00:00+08:00', seed: 15 }, key);
    product = await ProductProcess.start({
      dataDir: path.join(work, 'site'),
      centreKeys: [key.publicKey],
      env: { EXAMSITE_HOST: '0.0.0.0', EXAMSITE_PUBLIC_HOST: lan.siteIp },
    });
    base = `http://${lan.siteIp}:${new URL(product.url).port}`;
    ftpPort = Number((await product.waitForLog((l) => l.msg.startsWith('FTP 服务已启动'), 10_000)).msg.match(/端口 (\d+)/)?.[1]);
    const admin = await adminOf(product);
    expect((await admin.put('/api/settings', { siteCode: SITE, mode: 'mock' })).status).to.equal(200);
    expect((await admin.post('/api/load/import', pkg.bytes, { 'content-type': 'application/zip' })).status).to.equal(200);
    const table = (await admin.get<{ tlsFingerprint256: string; rooms: { roomCode: string; registrationCode: string }[] }>('/api/registration/rooms')).body;
    rooms = table.rooms;
    pin = table.tlsFingerprint256;
    // The real proctor PC of the first room registers over the LAN.
    expect((await register(rooms[0]!)).roomCode).to.equal(rooms[0]!.roomCode);
  });

  after(async () => {
    await product?.stop();
    lan?.destroy();
    fs.rmSync(work, { recursive: true, force: true });
    // eslint-disable-next-line no-console
    if (figures.length) console.log(figures.map((f) => `      ${f}`).join('\n'));
  });

  it('refuses the admin UI and API to the candidate PC, also with a forged Host; the site PC itself still gets in', async () => {
    const got = await lan!.runIn<Record<string, number>>(lan!.candidate, PROBE, ['admin', base]);
    figures.push(`admin surface from ${lan!.candidate.ip}: ${JSON.stringify(got)}`);
    for (const [what, status] of Object.entries(got)) expect(status, what).to.be.within(400, 499);
    const admin = await adminOf(product!);
    expect((await admin.get('/api/settings')).status).to.equal(200);
  });

  it('throttles registration-code guessing from the candidate PC without locking out the real proctor of that room or the administrator', async () => {
    const target = rooms[1]!;
    const got = await lan!.runIn<{ statuses: Record<string, number>; lastMessage: string }>(lan!.candidate, PROBE, ['guess', base, target.roomCode, '30']);
    figures.push(`30 wrong codes for ${target.roomCode}: ${JSON.stringify(got.statuses)}; last: ${got.lastMessage}`);
    expect(got.statuses['200'] ?? 0, 'no guess accepted').to.equal(0);
    expect(got.statuses['429'] ?? 0, 'throttled').to.be.greaterThan(0);
    expect(got.lastMessage).to.match(/[\u4e00-\u9fff]/);
    // The room's real proctor PC registers at once, and the one registered before still works.
    expect((await register(target)).roomCode).to.equal(target.roomCode);
    const beats = await lan!.runIn<Beats>(lan!.proctor, PROBE, ['beats', credsOf(rooms[0]!.roomCode), '1000']);
    expect(beats.errors).to.deep.equal([]);
    expect((await adminOf(product!)).token).to.be.a('string');
  });

  it('refuses FTP logins guessed by the candidate PC and every active-mode (PORT/EPRT) command', async () => {
    const got = await lan!.runIn<{ logins: string[]; replies: string[] }>(lan!.candidate, PROBE, ['ftp', lan!.siteIp, String(ftpPort), rooms[0]!.roomCode]);
    figures.push(`FTP from the candidate PC: logins ${got.logins.join(',')}; replies ${got.replies.join(',')}`);
    expect(got.logins.filter((l) => l === 'accepted')).to.deep.equal([]);
    // The banner, then PORT and EPRT refused (5xx), USER/PASS of a guess refused, QUIT.
    const [portReply, eprtReply] = got.replies.filter((r) => r !== '220');
    expect(Number(portReply)).to.be.within(500, 599);
    expect(Number(eprtReply)).to.be.within(500, 599);
    expect(got.replies).to.not.include('230');
  });

  it('registers the proctor PC of the third room over TLS with the pinned certificate; a wrong pin is refused', async () => {
    const wrongPin = pin.replace(/^../, pin.startsWith('00') ? '11' : '00');
    const refused = await registerOverTls(rooms[2]!, wrongPin).then(
      () => null,
      (e: Error) => e.message,
    );
    expect(refused, 'wrong pin refused').to.contain('证书指纹不一致');
    expect((await registerOverTls(rooms[2]!, pin)).roomCode).to.equal(rooms[2]!.roomCode);
    const beats = await lan!.runIn<Beats>(lan!.proctor, PROBE, ['beats', credsOf(rooms[2]!.roomCode), '1000']);
    figures.push(`TLS proctor ${rooms[2]!.roomCode}: heartbeats ${beats.count}, max ${beats.max?.toFixed(1)} ms, errors ${beats.errors.length}`);
    expect(beats.errors).to.deep.equal([]);
  });

  it('keeps answering the TLS proctor PC within 1 s while the candidate PC holds 300 slow TLS handshakes', async function () {
    if (!fs.existsSync(credsOf(rooms[2]!.roomCode))) this.skip();
    const [flood, beats] = await Promise.all([
      lan!.runIn<Flood>(lan!.candidate, PROBE, ['flood', base, 'slow-tls', '300', '8000']),
      new Promise((r) => setTimeout(r, 1500)).then(() => lan!.runIn<Beats>(lan!.proctor, PROBE, ['beats', credsOf(rooms[2]!.roomCode), '5000'])),
    ]);
    figures.push(`slow-tls × 300: ${JSON.stringify(flood)}; TLS proctor heartbeats ${beats.count}, p99 ${beats.p99?.toFixed(1)} ms, max ${beats.max?.toFixed(1)} ms, errors ${beats.errors.length}`);
    expect(beats.errors).to.deep.equal([]);
    expect(beats.count).to.be.greaterThan(5);
    expect(beats.max!, 'slowest heartbeat (ms)').to.be.below(1000);
  });

  for (const [kind, count] of [
    ['slow-headers', 300],
    ['slow-body', 200],
    ['idle', 800],
  ] as const) {
    it(`keeps answering the proctor PC within 1 s while the candidate PC holds ${count} ${kind} connections`, async () => {
      const [flood, beats] = await Promise.all([
        lan!.runIn<Flood>(lan!.candidate, PROBE, ['flood', base, kind, String(count), '8000']),
        // The proctor starts beating once the flood is up.
        new Promise((r) => setTimeout(r, 1500)).then(() => lan!.runIn<Beats>(lan!.proctor, PROBE, ['beats', credsOf(rooms[0]!.roomCode), '5000'])),
      ]);
      figures.push(`${kind} × ${count}: ${JSON.stringify(flood)}; proctor heartbeats ${beats.count}, p99 ${beats.p99?.toFixed(1)} ms, max ${beats.max?.toFixed(1)} ms, errors ${beats.errors.length}`);
      expect(beats.errors).to.deep.equal([]);
      expect(beats.count).to.be.greaterThan(5);
      expect(beats.max!, 'slowest heartbeat (ms)').to.be.below(1000);
    });
  }
});
