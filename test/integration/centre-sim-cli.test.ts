import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { parseTimeToken } from '../../core/clock/time-token';
import { generateSigningKeyPair, openSignedJson } from '../../core/crypto/signing';
import { generateWrappingKeyPair } from '../../core/crypto/wrap';
import { makeTempDir } from '../../core/testing/test-server';
import { runCli } from '../sim/centre/cli';
import { startCentreSimulator } from '../sim/centre/centre-simulator';
import { HttpCentreClient, coreCentreEndpoints } from '../../core/centre/index';
import { loadCentreEndpoints } from '../../plugins/load/api/centre-endpoints';
import { SAMPLE_SPEC } from '../../core/centre/test/centre-test-helpers';

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('centre simulator CLI (R12.2)', () => {
  let dataDir: string;

  beforeEach(() => {
    dataDir = makeTempDir('centre-cli-');
  });
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('keys prints exactly the EXAMSITE_CENTRE_KEYS value, the same a running server uses', async () => {
    const r = await run('keys', '--data', dataDir);
    expect(r.code).to.equal(0);
    expect(r.out).to.match(/^[A-Za-z0-9_-]{43}$/);
    const sim = await startCentreSimulator({ dataDir, port: 0 });
    try {
      expect(sim.keys).to.equal(r.out);
    } finally {
      await sim.stop();
    }
  });

  it('write-time writes a signed time token the site accepts; register-dongle is seen by a running server', async () => {
    const signing = generateSigningKeyPair();
    const wrapping = generateWrappingKeyPair();
    const sim = await startCentreSimulator({ dataDir, port: 0 });
    try {
      const reg = await run('register-dongle', '--data', dataDir, '--id', 'D-CLI-1', '--signing-key', signing.publicKey, '--wrapping-key', wrapping.publicKey, '--site', '11003');
      expect(reg.code).to.equal(0);
      // The running server reads the registry file: the dongle may now get a time token.
      const client = new HttpCentreClient({ baseUrl: sim.url, timeoutMs: 2000, trustedKeys: [sim.keys] });
      const online = await client.call(coreCentreEndpoints.timeToken, { dongleId: 'D-CLI-1', nonce: 'cli-nonce-1' });
      expect(parseTimeToken(openSignedJson(online.envelope, [sim.keys])).dongleId).to.equal('D-CLI-1');

      const out = path.join(dataDir, 'token.json');
      const w = await run('write-time', '--data', dataDir, '--dongle', 'D-CLI-1', '--out', out, '--time', '2026-06-01T08:00:00Z');
      expect(w.code).to.equal(0);
      const token = parseTimeToken(openSignedJson(JSON.parse(fs.readFileSync(out, 'utf8')), [sim.keys]));
      expect(token).to.deep.include({ dongleId: 'D-CLI-1', time: '2026-06-01T08:00:00.000Z' });

      const conflict = await run('register-dongle', '--data', dataDir, '--id', 'D-CLI-1', '--signing-key', generateSigningKeyPair().publicKey, '--wrapping-key', wrapping.publicKey, '--site', '11003');
      expect(conflict.code).to.equal(1);
      expect(conflict.err).to.contain('已以不同的公钥');
    } finally {
      await sim.stop();
    }
  });

  it('publish builds a package (load stage builder) that a running server then serves, signed', async () => {
    const sim = await startCentreSimulator({ dataDir, port: 0 });
    try {
      const spec = path.join(dataDir, 'spec.json');
      fs.writeFileSync(spec, JSON.stringify({ ...SAMPLE_SPEC, siteCode: '11005', mode: 'formal' }));
      const r = await run('publish', '--data', dataDir, '--spec', spec);
      expect(r.code, r.err).to.equal(0);
      const client = new HttpCentreClient({ baseUrl: sim.url, timeoutMs: 5000, trustedKeys: [sim.keys] });
      const release = await client.call(loadCentreEndpoints.latestRelease, { siteCode: '11005', mode: 'formal', nonce: 'cli-test-nonce-0123456' });
      expect(release.payload.releaseTime).to.equal(SAMPLE_SPEC.releaseTime);
      const pkg = await client.call(loadCentreEndpoints.sitePackage, { siteCode: '11005', mode: 'formal' });
      expect(pkg.bytes.subarray(0, 2).toString()).to.equal('PK');
      expect(JSON.parse(r.out)).to.deep.include({ siteCode: '11005', mode: 'formal', sha256: pkg.sha256, rooms: 2 });
      const badSpec = path.join(dataDir, 'bad.json');
      fs.writeFileSync(badSpec, JSON.stringify({ ...SAMPLE_SPEC, siteCode: '1' }));
      const bad = await run('publish', '--data', dataDir, '--spec', badSpec);
      expect(bad.code).to.equal(1);
      expect((await client.call(loadCentreEndpoints.latestRelease, { siteCode: '11005', mode: 'formal', nonce: 'cli-test-nonce-0123456' })).payload.manifestSha256).to.equal(release.payload.manifestSha256);
    } finally {
      await sim.stop();
    }
  });

  it('usage errors exit 2 with bilingual help', async () => {
    const none = await run();
    expect(none.code).to.equal(2);
    expect(none.out).to.contain('用法 / usage');
    for (const name of ['serve', 'keys', 'write-time', 'register-dongle', 'publish']) expect(none.out).to.contain(name);
    const unknown = await run('frobnicate');
    expect(unknown.code).to.equal(2);
    expect(unknown.err).to.contain('未知命令 / unknown command');
    const missing = await run('write-time', '--data', dataDir, '--dongle', 'D-1');
    expect(missing.code).to.equal(2);
    expect(missing.err).to.contain('缺少参数 --out');
    const badKey = await run('register-dongle', '--data', dataDir, '--id', 'D-1', '--signing-key', 'x', '--wrapping-key', 'y');
    expect(badKey.code).to.equal(2);
    expect(fs.existsSync(path.join(dataDir, 'dongles.json'))).to.equal(false);
  });
});
