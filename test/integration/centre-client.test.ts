import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { parseTimeToken } from '../../core/clock/time-token';
import { sha256File, sha256Hex } from '../../core/crypto/hash';
import { generateSigningKeyPair, openSignedJson } from '../../core/crypto/signing';
import { generateWrappingKeyPair } from '../../core/crypto/wrap';
import { makeTempDir } from '../../core/testing/test-server';
import { startCentreSimulator, type RunningCentreSimulator } from '../sim/centre/centre-simulator';
import type { AuthorizationIssueContext, AuthorizationIssuer } from '../sim/centre/sim-types';
import { CentreError, HttpCentreClient, centreReply, coreCentreEndpoints } from '../../core/centre/index';
import { loadCentreEndpoints } from '../../plugins/load/api/centre-endpoints';
import { authorizationCentreEndpoints } from '../../plugins/authorization/api/centre-endpoints';
import { fakePackageBuilder, rejectionOf, SAMPLE_SPEC } from '../../core/centre/test/centre-test-helpers';
import { expectTrustError } from '../../core/testing/expect-trust';

const INCOMPLETE = '监控平台返回的数据不完整，请稍后重试';
/** A 校验 request's nonce (the answer must carry it). */
const NONCE = 'site-nonce-0123456789';

function expectCentreError(e: Error, code: string, message?: RegExp | string): CentreError {
  expect(e, e.stack).to.be.instanceOf(CentreError);
  const ce = e as CentreError;
  expect(ce.code).to.equal(code);
  expect(ce.message).to.match(/[\u4e00-\u9fff]/);
  if (typeof message === 'string') expect(ce.message).to.contain(message);
  else if (message) expect(ce.message).to.match(message);
  return ce;
}

describe('centre client against the centre simulator (R12.1, R12.2)', () => {
  let dataDir: string;
  let sim: RunningCentreSimulator;
  let client: HttpCentreClient;
  const issued: AuthorizationIssueContext[] = [];
  const issuer: AuthorizationIssuer = {
    id: 'test-issuer',
    async issue(ctx) {
      issued.push(ctx);
      return Buffer.from(`PTQ:${ctx.siteCode}:${ctx.sessionNo}:${ctx.dongle.id}:${ctx.contentKey}`);
    },
    async verify(ctx) {
      return Buffer.from(`VERIFY:${ctx.siteCode}:${ctx.sessionNo}:${ctx.now}`);
    },
  };
  const signing = generateSigningKeyPair();
  const wrapping = generateWrappingKeyPair();

  before(async () => {
    dataDir = makeTempDir('centre-sim-');
    sim = await startCentreSimulator({ dataDir, port: 0, builder: fakePackageBuilder, authorizationIssuer: issuer });
    client = new HttpCentreClient({ baseUrl: sim.url, timeoutMs: 2000, trustedKeys: sim.keys.split(','), retryDelayMs: 20 });
    await sim.publish(SAMPLE_SPEC);
  });
  after(async () => {
    await sim.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  afterEach(() => sim.setFault({ mode: 'none' }));

  it('pings the centre; without a configured URL every call is CENTRE_NOT_CONFIGURED', async () => {
    const pong = await client.ping();
    expect(pong.ok).to.equal(true);
    expect(pong.version).to.equal(1);
    const none = new HttpCentreClient({ baseUrl: '', timeoutMs: 1000, trustedKeys: [] });
    expect(none.configured).to.equal(false);
    const refused = expectCentreError(await rejectionOf(none.ping()), 'CENTRE_NOT_CONFIGURED', '未设置监控平台地址');
    // Issue 10 point 8: says what to do and where, without a setting's or variable's name.
    expect(refused.message).to.contain('examsite.config.json').and.not.match(/EXAMSITE_|centreUrl/);
  });

  it('keeps its signing key in <data>/centre-keys.json across restarts', async () => {
    const file = JSON.parse(fs.readFileSync(path.join(dataDir, 'centre-keys.json'), 'utf8')) as { keys: { publicKey: string }[] };
    expect(file.keys[0]?.publicKey).to.equal(sim.keys);
    const again = await startCentreSimulator({ dataDir, port: 0 });
    try {
      expect(again.keys).to.equal(sim.keys);
    } finally {
      await again.stop();
    }
  });

  it('downloads the published package with its SHA-256 checked; nothing published is CENTRE_NOT_FOUND', async () => {
    const pkg = await client.call(loadCentreEndpoints.sitePackage, { siteCode: '11003', mode: 'mock' });
    expect(pkg.sha256).to.equal(sha256Hex(fs.readFileSync(path.join(dataDir, 'packages', '11003-mock', 'package.zip'))));
    expect(pkg.header('x-release-time')).to.equal(SAMPLE_SPEC.releaseTime);
    const e = await rejectionOf(client.call(loadCentreEndpoints.sitePackage, { siteCode: '11003', mode: 'formal' }));
    expectCentreError(e, 'CENTRE_NOT_FOUND', '尚未发布考点 11003 的正式考试考场数据');
  });

  it('refuses a package larger than the cap without reading it all', async () => {
    // The cap is the endpoint's: the same request with a 1000-byte cap is refused.
    const capped = { ...loadCentreEndpoints.sitePackage, reply: centreReply.file({ maxBytes: 1000 }) };
    expectCentreError(await rejectionOf(client.call(capped, { siteCode: '11003', mode: 'mock' })), 'CENTRE_REPLY_TOO_LARGE');
    // And the transport's default file cap applies to endpoints without one.
    const small = new HttpCentreClient({ baseUrl: sim.url, timeoutMs: 2000, trustedKeys: [], maxFileBytes: 1000 });
    const uncapped = { ...loadCentreEndpoints.sitePackage, reply: centreReply.file() };
    expectCentreError(await rejectionOf(small.call(uncapped, { siteCode: '11003', mode: 'mock' })), 'CENTRE_REPLY_TOO_LARGE');
  });

  it('returns the signed latest release (校验) after checking the signature', async () => {
    const r = await client.call(loadCentreEndpoints.latestRelease, { siteCode: '11003', mode: 'mock', nonce: NONCE });
    expect(r.payload).to.deep.equal({ kind: 'package-release', v: 1, siteCode: '11003', mode: 'mock', releaseTime: SAMPLE_SPEC.releaseTime, manifestSha256: sim.state.release('11003', 'mock')?.manifestSha256, nonce: NONCE });
    // A request the endpoint's schema refuses never leaves the site.
    expectCentreError(await rejectionOf(client.call(loadCentreEndpoints.latestRelease, { siteCode: '1', mode: 'mock', nonce: NONCE })), 'CENTRE_REQUEST_INVALID', '考点代码应为 5 位数字');
  });

  it('refuses an old signed latest-release answer replayed for a new 校验 (nonce bound, issue 10 point 4)', async () => {
    // A genuine answer, signed by the centre for an earlier request …
    const recorded = await fetch(`${sim.url}/v1/sites/11003/package/release?mode=mock&nonce=${NONCE}`);
    expect(recorded.status).to.equal(200);
    const body = Buffer.from(await recorded.arrayBuffer());
    // … replayed on the network for the next request, whatever it asks.
    const replayer = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
    await new Promise<void>((r) => replayer.listen(0, '127.0.0.1', r));
    try {
      const port = (replayer.address() as AddressInfo).port;
      const onPath = new HttpCentreClient({ baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 2000, trustedKeys: sim.keys.split(','), retryDelayMs: 20 });
      const e = await rejectionOf(onPath.call(loadCentreEndpoints.latestRelease, { siteCode: '11003', mode: 'mock', nonce: 'next-request-nonce-42' }));
      expectTrustError(e, 'RELEASE_NONCE_MISMATCH');
      expect(e.message).to.equal('监控平台的发布信息应答与本次校验请求不匹配（可能是旧的或被截获的应答），本次校验不予采信；请稍后重新校验');
      // The very same answer is accepted for the request it was signed for.
      expect((await onPath.call(loadCentreEndpoints.latestRelease, { siteCode: '11003', mode: 'mock', nonce: NONCE })).payload.nonce).to.equal(NONCE);
    } finally {
      await new Promise<void>((r) => replayer.close(() => r()));
    }
    // A request without a nonce never leaves the site, and the simulator refuses one too.
    expectCentreError(await rejectionOf(client.call(loadCentreEndpoints.latestRelease, { siteCode: '11003', mode: 'mock', nonce: '' })), 'CENTRE_REQUEST_INVALID', 'nonce');
    expect((await fetch(`${sim.url}/v1/sites/11003/package/release?mode=mock`)).status).to.equal(400);
  });

  it('refuses a tampered signed reply (SIGNATURE_INVALID) and one signed by an unknown key (KEY_UNKNOWN)', async () => {
    sim.setFault({ mode: 'tamper' });
    expectTrustError(await rejectionOf(client.call(loadCentreEndpoints.latestRelease, { siteCode: '11003', mode: 'mock', nonce: NONCE })), 'SIGNATURE_INVALID');
    sim.setFault({ mode: 'none' });
    const foreign = new HttpCentreClient({ baseUrl: sim.url, timeoutMs: 2000, trustedKeys: [generateSigningKeyPair().publicKey] });
    expectTrustError(await rejectionOf(foreign.call(loadCentreEndpoints.latestRelease, { siteCode: '11003', mode: 'mock', nonce: NONCE })), 'KEY_UNKNOWN');
  });

  it('registers a dongle (机考锁注册): same keys again is fine, other keys for the same id are refused', async () => {
    const reg = { dongleId: 'D-CLIENT-1', signingPublicKey: signing.publicKey, wrappingPublicKey: wrapping.publicKey, siteCode: '11003' };
    const first = await client.call(coreCentreEndpoints.registerDongle, reg);
    expect(first.registered).to.equal(true);
    const again = await client.call(coreCentreEndpoints.registerDongle, reg);
    expect(again.registeredAt).to.equal(first.registeredAt);
    const other = generateSigningKeyPair().publicKey;
    const e = await rejectionOf(client.call(coreCentreEndpoints.registerDongle, { ...reg, signingPublicKey: other }));
    expectCentreError(e, 'CENTRE_REFUSED', '已以不同的公钥');
    expect(sim.state.dongle('D-CLIENT-1')?.signingPublicKey).to.equal(signing.publicKey);
    const bad = await rejectionOf(client.call(coreCentreEndpoints.registerDongle, { ...reg, signingPublicKey: 'not-a-key' }));
    expectCentreError(bad, 'CENTRE_REQUEST_INVALID', '机考锁注册信息请求无效：signingPublicKey');
  });

  it('gets a signed time token for a registered dongle, checked for dongle, nonce and signature', async () => {
    await client.call(coreCentreEndpoints.registerDongle, { dongleId: 'D-TIME', signingPublicKey: signing.publicKey, wrappingPublicKey: wrapping.publicKey, siteCode: '11003' });
    const before = Date.now();
    const { envelope, payload } = await client.call(coreCentreEndpoints.timeToken, { dongleId: 'D-TIME', nonce: 'nonce-0001' });
    const token = parseTimeToken(openSignedJson(envelope, sim.keys.split(',')));
    expect(payload).to.deep.equal(token);
    expect(token.dongleId).to.equal('D-TIME');
    expect(token.nonce).to.equal('nonce-0001');
    expect(token.timeMs).to.be.within(before - 1000, Date.now() + 1000);

    sim.setFault({ mode: 'tamper' });
    expectTrustError(await rejectionOf(client.call(coreCentreEndpoints.timeToken, { dongleId: 'D-TIME', nonce: 'nonce-0002' })), 'SIGNATURE_INVALID');
    sim.setFault({ mode: 'none' });
    const foreign = new HttpCentreClient({ baseUrl: sim.url, timeoutMs: 2000, trustedKeys: [generateSigningKeyPair().publicKey] });
    expectTrustError(await rejectionOf(foreign.call(coreCentreEndpoints.timeToken, { dongleId: 'D-TIME', nonce: 'nonce-0003' })), 'KEY_UNKNOWN');
    const unregistered = await rejectionOf(client.call(coreCentreEndpoints.timeToken, { dongleId: 'D-NOBODY', nonce: 'nonce-0004' }));
    expectCentreError(unregistered, 'CENTRE_REFUSED', '未在监控平台注册');
  });

  it('downloads a session authorization and a verification through the registered issuer', async () => {
    await client.call(coreCentreEndpoints.registerDongle, { dongleId: 'D-AUTH', signingPublicKey: signing.publicKey, wrappingPublicKey: wrapping.publicKey, siteCode: '11003' });
    const ptq = await client.call(authorizationCentreEndpoints.authorization, { siteCode: '11003', mode: 'mock', sessionNo: 2, dongleId: 'D-AUTH' });
    const key = sim.state.release('11003', 'mock')?.sessionKeys[2];
    expect(ptq.bytes.toString()).to.equal(`PTQ:11003:2:D-AUTH:${key}`);
    const ctx = issued[issued.length - 1] as AuthorizationIssueContext;
    expect(ctx.dongle.wrappingPublicKey).to.equal(wrapping.publicKey);
    expect(ctx.session.name).to.equal('第二场');
    expect(ctx.key.publicKey).to.equal(sim.keys);
    const ver = await client.call(authorizationCentreEndpoints.verification, { siteCode: '11003', mode: 'mock', sessionNo: 1, dongleId: 'D-AUTH' });
    expect(ver.bytes.toString()).to.match(/^VERIFY:11003:1:/);
    const noSession = await rejectionOf(client.call(authorizationCentreEndpoints.authorization, { siteCode: '11003', mode: 'mock', sessionNo: 9, dongleId: 'D-AUTH' }));
    expectCentreError(noSession, 'CENTRE_NOT_FOUND', '没有第 9 场次');
  });

  it('answers 501 with a Chinese message while no authorization issuer is registered', async () => {
    const bare = await startCentreSimulator({ dataDir, port: 0, authorizationIssuer: null });
    try {
      const c = new HttpCentreClient({ baseUrl: bare.url, timeoutMs: 2000, trustedKeys: [] });
      await c.call(coreCentreEndpoints.registerDongle, { dongleId: 'D-501', signingPublicKey: signing.publicKey, wrappingPublicKey: wrapping.publicKey, siteCode: '11003' });
      const e = await rejectionOf(c.call(authorizationCentreEndpoints.authorization, { siteCode: '11003', mode: 'mock', sessionNo: 1, dongleId: 'D-501' }));
      expectCentreError(e, 'CENTRE_REFUSED', '尚未接入考试授权生成器');
    } finally {
      await bare.stop();
    }
  });

  it('a truncated reply is the Chinese CentreError "数据不完整" (after the GET retries)', async () => {
    sim.setFault({ mode: 'truncate' });
    expectCentreError(await rejectionOf(client.call(loadCentreEndpoints.latestRelease, { siteCode: '11003', mode: 'mock', nonce: NONCE })), 'CENTRE_BAD_REPLY', INCOMPLETE);
    expectCentreError(await rejectionOf(client.call(loadCentreEndpoints.sitePackage, { siteCode: '11003', mode: 'mock' })), 'CENTRE_BAD_REPLY', INCOMPLETE);
    expectCentreError(await rejectionOf(client.ping()), 'CENTRE_BAD_REPLY', INCOMPLETE);
  });

  it('500, 503 (down), closed sockets and slow replies give Chinese CentreErrors', async () => {
    sim.setFault({ mode: 'error500' });
    expectCentreError(await rejectionOf(client.ping()), 'CENTRE_SERVER_ERROR', '监控平台暂时无法处理请求');
    sim.setFault({ mode: 'down' });
    expectCentreError(await rejectionOf(client.ping()), 'CENTRE_SERVER_ERROR', 'HTTP 503');
    sim.setFault({ mode: 'down', closeSockets: true });
    expectCentreError(await rejectionOf(client.ping()), 'CENTRE_UNREACHABLE', '无法连接监控平台');
    sim.setFault({ mode: 'slow', delayMs: 1500 });
    const impatient = new HttpCentreClient({ baseUrl: sim.url, timeoutMs: 300, trustedKeys: [], getRetries: 0 });
    const t0 = Date.now();
    expectCentreError(await rejectionOf(impatient.ping()), 'CENTRE_TIMEOUT', '连接监控平台超时');
    expect(Date.now() - t0).to.be.lessThan(1200);
  });

  it('a reply of the wrong shape is CENTRE_BAD_REPLY, never a crash', async () => {
    const liar = http.createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url?.startsWith('/v1/ping')) res.end(JSON.stringify({ ok: 'yes' }));
      else if (req.url?.startsWith('/v1/reports')) res.end(JSON.stringify({ ack: true, idempotencyKey: 'another-key-1', receivedAt: new Date().toISOString(), duplicate: false }));
      else res.end('{"v":1,"keyId":');
    });
    await new Promise<void>((r) => liar.listen(0, '127.0.0.1', () => r()));
    try {
      const c = new HttpCentreClient({ baseUrl: `http://127.0.0.1:${(liar.address() as AddressInfo).port}`, timeoutMs: 1000, trustedKeys: [], getRetries: 0 });
      expectCentreError(await rejectionOf(c.ping()), 'CENTRE_BAD_REPLY', '格式不符合约定');
      expectCentreError(await rejectionOf(c.call(loadCentreEndpoints.latestRelease, { siteCode: '11003', mode: 'mock', nonce: NONCE })), 'CENTRE_BAD_REPLY', INCOMPLETE);
      const report = { idempotencyKey: 'my-key-0001', kind: 'seal-check', siteCode: '11003', mode: 'mock' as const, createdAt: new Date().toISOString(), payload: {} };
      expectCentreError(await rejectionOf(c.sendReport(report)), 'CENTRE_BAD_REPLY', '回执与所发上报不对应');
    } finally {
      liar.closeAllConnections();
      await new Promise<void>((r) => liar.close(() => r()));
    }
  });

  it('the centre deduplicates reports by idempotencyKey', async () => {
    const report = { idempotencyKey: 'dup-key-0001', kind: 'room-status', siteCode: '11003', mode: 'mock' as const, createdAt: new Date().toISOString(), payload: { rooms: 2 } };
    const a = await client.sendReport(report);
    const b = await client.sendReport(report);
    expect(a.duplicate).to.equal(false);
    expect(b.duplicate).to.equal(true);
    expect(b.receivedAt).to.equal(a.receivedAt);
    const recorded = sim.reports('room-status').filter((r) => r.idempotencyKey === 'dup-key-0001');
    expect(recorded).to.have.length(1);
    expect(recorded[0]?.receivedCount).to.equal(2);
    const res = await fetch(`${sim.url}/sim/reports?kind=room-status`);
    expect(((await res.json()) as unknown[]).length).to.equal(sim.reports('room-status').length);
  });
});

describe('resumable result upload to the centre (R8.5, reliability: interrupted upload resumes)', () => {
  let dataDir: string;
  let sim: RunningCentreSimulator;
  let client: HttpCentreClient;
  let file: string;
  const meta = { siteCode: '11003', mode: 'mock' as const, kind: 'session-results', fileName: '11003-1.zip', sessionNo: 1 };

  before(async () => {
    dataDir = makeTempDir('centre-upload-');
    sim = await startCentreSimulator({ dataDir: path.join(dataDir, 'centre'), port: 0 });
    client = new HttpCentreClient({ baseUrl: sim.url, timeoutMs: 5000, trustedKeys: [] });
    file = path.join(dataDir, 'results.zip');
    fs.writeFileSync(file, randomBytes(6 * 1024 * 1024));
  });
  after(async () => {
    await sim.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('an upload cut mid-way resumes from the centre offset and ends with the right hash', async () => {
    const controller = new AbortController();
    const e = await rejectionOf(
      client.uploadFile({
        uploadId: 'u-11003-1',
        filePath: file,
        metadata: meta,
        chunkBytes: 64 * 1024 * 1024, // one PATCH: the cut happens inside a request
        signal: controller.signal,
        onProgress: (p) => {
          if (p.sent >= 2 * 1024 * 1024) controller.abort();
        },
      }),
    );
    expectCentreError(e, 'CENTRE_ABORTED');
    const state = await client.uploadState('u-11003-1');
    expect(state.exists).to.equal(true);
    expect(state.complete).to.equal(false);
    expect(state.offset).to.be.greaterThan(0).and.lessThan(6 * 1024 * 1024);
    expect(state.length).to.equal(6 * 1024 * 1024);

    const progress: number[] = [];
    const done = await client.uploadFile({ uploadId: 'u-11003-1', filePath: file, metadata: meta, chunkBytes: 1024 * 1024, onProgress: (p) => progress.push(p.offset) });
    expect(done.resumedFrom).to.equal(state.offset);
    expect(progress[0]).to.equal(state.offset);
    const sha = await sha256File(file);
    expect(done.sha256).to.equal(sha);
    const rec = sim.uploads().find((u) => u.uploadId === 'u-11003-1');
    expect(rec?.complete).to.equal(true);
    expect(rec?.patches).to.be.greaterThan(2);
    expect(await sha256File(rec?.file as string)).to.equal(sha);
    expect(rec?.metadata).to.deep.equal(meta);

    // Uploading the same file again is a no-op that returns the same receipt (续报 after success).
    const again = await client.uploadFile({ uploadId: 'u-11003-1', filePath: file, metadata: meta });
    expect(again.resumedFrom).to.equal(6 * 1024 * 1024);
    expect(again.receivedAt).to.equal(done.receivedAt);
  });

  it('a wrong SHA-256 is refused by the centre and the partial data discarded', async () => {
    const e = await rejectionOf(client.uploadFile({ uploadId: 'u-wrong-hash', filePath: file, metadata: meta, sha256: 'a'.repeat(64) }));
    expectCentreError(e, 'CENTRE_REFUSED', 'SHA-256 与声明的不一致');
    const state = await client.uploadState('u-wrong-hash');
    expect(state.offset).to.equal(0);
    expect(state.complete).to.equal(false);
  });

  it('refuses a different file under an upload id already used', async () => {
    const other = path.join(dataDir, 'other.zip');
    fs.writeFileSync(other, randomBytes(1000));
    const e = await rejectionOf(client.uploadFile({ uploadId: 'u-11003-1', filePath: other, metadata: meta }));
    expectCentreError(e, 'CENTRE_REFUSED', '文件大小为');
    const missing = await rejectionOf(client.uploadFile({ uploadId: 'u-x', filePath: path.join(dataDir, 'nope.zip'), metadata: meta }));
    expectCentreError(missing, 'CENTRE_REQUEST_INVALID', '不存在或无法读取');
  });
});
