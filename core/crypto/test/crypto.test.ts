import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  HashingPassThrough,
  generateSigningKeyPair,
  generateWrappingKeyPair,
  keyIdOf,
  openBytes,
  openSignedJson,
  parseTrustedKeys,
  sealBytes,
  sha256File,
  sha256Hex,
  signBytes,
  signJson,
  unwrapKeyWithPrivate,
  verifyDetached,
  wrapKeyForRecipient,
  type SignedEnvelope,
} from '../index';
import { expectTrustThrown } from '../../testing/expect-trust';

describe('crypto: Ed25519 signed envelopes', () => {
  const centre = generateSigningKeyPair();
  const other = generateSigningKeyPair();

  it('key text is base64url of 32 bytes and keyId is sha256 prefix', () => {
    const raw = Buffer.from(centre.publicKey, 'base64url');
    expect(raw.length).to.equal(32);
    expect(centre.publicKey).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(centre.keyId).to.equal(createHash('sha256').update(raw).digest('hex').slice(0, 16));
    expect(keyIdOf(centre.publicKey)).to.equal(centre.keyId);
  });

  it('signs and opens JSON', () => {
    const env = signJson({ kind: 'x', n: 1, s: '考点' }, centre);
    expect(env.v).to.equal(1);
    expect(env.keyId).to.equal(centre.keyId);
    expect(Buffer.from(env.payload, 'base64').toString()).to.equal('{"kind":"x","n":1,"s":"考点"}');
    expect(openSignedJson(env, [other.publicKey, centre.publicKey])).to.deep.equal({ kind: 'x', n: 1, s: '考点' });
    expect(openSignedJson(JSON.parse(JSON.stringify(env)), [centre.publicKey])).to.have.property('n', 1);
  });

  it('refuses tampered payloads and signatures', () => {
    const env = signJson({ a: 1 }, centre.privateKeyPem);
    const payload = Buffer.from('{"a":2}').toString('base64');
    expectTrustThrown(() => openSignedJson({ ...env, payload }, [centre.publicKey]), 'SIGNATURE_INVALID');
    const sig = Buffer.from(env.sig, 'base64');
    sig[5] = (sig[5] as number) ^ 1;
    expectTrustThrown(() => openSignedJson({ ...env, sig: sig.toString('base64') }, [centre.publicKey]), 'SIGNATURE_INVALID');
  });

  it('refuses unknown keys, including a forged keyId', () => {
    const env = signJson({ a: 1 }, other);
    expectTrustThrown(() => openSignedJson(env, [centre.publicKey]), 'KEY_UNKNOWN');
    expectTrustThrown(() => openSignedJson({ ...env, keyId: centre.keyId }, [centre.publicKey]), 'SIGNATURE_INVALID');
  });

  it('refuses malformed envelopes', () => {
    const env = signJson({ a: 1 }, centre);
    const cases: unknown[] = [
      null,
      'text',
      { ...env, v: 2 },
      { ...env, keyId: 'XYZ' },
      { ...env, payload: 12 },
      { ...env, payload: `${env.payload}!` },
      { ...env, sig: env.sig.slice(4) },
    ];
    for (const c of cases) expectTrustThrown(() => openSignedJson(c, [centre.publicKey]), 'ENVELOPE_MALFORMED');
    const arr = signJson([1, 2], centre);
    expectTrustThrown(() => openSignedJson(arr, [centre.publicKey]), 'ENVELOPE_MALFORMED');
  });

  it('verifies detached signatures over file bytes', () => {
    const data = Buffer.from('manifest bytes\n');
    const sig = signBytes(data, centre.privateKeyPem).toString('base64');
    expect(() => verifyDetached(data, sig, centre.keyId, [centre.publicKey])).not.to.throw();
    expectTrustThrown(() => verifyDetached(Buffer.from('manifest bytes!\n'), sig, centre.keyId, [centre.publicKey]), 'SIGNATURE_INVALID');
    expectTrustThrown(() => verifyDetached(data, sig, other.keyId, [centre.publicKey]), 'KEY_UNKNOWN');
    expectTrustThrown(() => verifyDetached(data, 'nope', centre.keyId, [centre.publicKey]), 'ENVELOPE_MALFORMED');
  });

  it('parses the trusted key list', () => {
    expect(parseTrustedKeys(` ${centre.publicKey}, ${other.publicKey},${centre.publicKey} `)).to.deep.equal([
      centre.publicKey,
      other.publicKey,
    ]);
    const e = expectTrustThrown(() => parseTrustedKeys(`${centre.publicKey},abc`), 'TRUSTED_KEY_INVALID');
    expect(e.message).to.contain('第 2 项');
    expectTrustThrown(() => parseTrustedKeys(' , '), 'TRUSTED_KEY_INVALID');
    expectTrustThrown(() => parseTrustedKeys(`${centre.publicKey}=`), 'TRUSTED_KEY_INVALID');
  });
});

describe('crypto: AES-256-GCM sealed bytes', () => {
  const key = Buffer.alloc(32, 7);
  const aad = Buffer.from('site=11003;session=1');

  it('round-trips with the documented layout', () => {
    const sealed = sealBytes(key, Buffer.from('hello'), aad);
    expect(sealed.subarray(0, 4).toString()).to.equal('ESG1');
    expect(sealed.length).to.equal(4 + 12 + 5 + 16);
    expect(openBytes(key, sealed, aad).toString()).to.equal('hello');
    expect(openBytes(key, sealBytes(key, Buffer.alloc(0))).length).to.equal(0);
  });

  it('refuses any flipped byte, wrong AAD, wrong key, truncation', () => {
    const sealed = sealBytes(key, Buffer.from('secret content'), aad);
    for (let i = 0; i < sealed.length; i++) {
      const t = Buffer.from(sealed);
      t[i] = (t[i] as number) ^ 0x80;
      expectTrustThrown(() => openBytes(key, t, aad), 'DECRYPT_FAILED');
    }
    expectTrustThrown(() => openBytes(key, sealed, Buffer.from('site=11004;session=1')), 'DECRYPT_FAILED');
    expectTrustThrown(() => openBytes(Buffer.alloc(32, 8), sealed, aad), 'DECRYPT_FAILED');
    expectTrustThrown(() => openBytes(key, sealed.subarray(0, 20), aad), 'DECRYPT_FAILED');
    expect(() => sealBytes(Buffer.alloc(16), Buffer.from('x'))).to.throw(RangeError);
  });
});

describe('crypto: SHA-256', () => {
  it('hashes buffers, files and streams', async () => {
    expect(sha256Hex('abc')).to.equal('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    const dir = await fsp.mkdtemp(join(tmpdir(), 'crypto-'));
    const data = Buffer.alloc(3 * 1024 * 1024 + 17, 0x5a);
    await fsp.writeFile(join(dir, 'f.bin'), data);
    expect(await sha256File(join(dir, 'f.bin'))).to.equal(sha256Hex(data));
    await fsp.rm(dir, { recursive: true, force: true });

    const hasher = new HashingPassThrough();
    const received: Buffer[] = [];
    await pipeline(
      Readable.from([data.subarray(0, 1000), data.subarray(1000)]),
      hasher,
      new Writable({
        write(chunk: Buffer, _enc, cb) {
          received.push(chunk);
          cb();
        },
      }),
    );
    expect(hasher.bytes).to.equal(data.length);
    expect(hasher.digestHex()).to.equal(sha256Hex(data));
    expect(Buffer.concat(received).equals(data)).to.equal(true);
    expect(() => new HashingPassThrough().digestHex()).to.throw();
  });
});

describe('crypto: key wrapping for a dongle', () => {
  const dongle = generateWrappingKeyPair();
  const aad = Buffer.from('examsite/session-key/v1|11003|1|formal');
  const contentKey = Buffer.alloc(32, 0x42);

  it('wraps and unwraps', () => {
    const w = wrapKeyForRecipient(contentKey, dongle.publicKey, aad);
    expect(w.v).to.equal(1);
    expect(Buffer.from(w.epk, 'base64').length).to.equal(32);
    expect(Buffer.from(w.iv, 'base64').length).to.equal(12);
    expect(Buffer.from(w.tag, 'base64').length).to.equal(16);
    expect(unwrapKeyWithPrivate(JSON.parse(JSON.stringify(w)), dongle.privateKeyPem, aad).equals(contentKey)).to.equal(true);
  });

  it('refuses another recipient, other AAD, tampering, malformed input', () => {
    const w = wrapKeyForRecipient(contentKey, dongle.publicKey, aad);
    const stranger = generateWrappingKeyPair();
    expectTrustThrown(() => unwrapKeyWithPrivate(w, stranger.privateKeyPem, aad), 'DECRYPT_FAILED');
    expectTrustThrown(() => unwrapKeyWithPrivate(w, dongle.privateKeyPem, Buffer.from('other')), 'DECRYPT_FAILED');
    const ct = Buffer.from(w.ct, 'base64');
    ct[0] = (ct[0] as number) ^ 1;
    expectTrustThrown(() => unwrapKeyWithPrivate({ ...w, ct: ct.toString('base64') }, dongle.privateKeyPem, aad), 'DECRYPT_FAILED');
    const epk = generateWrappingKeyPair().publicKey;
    const epkB64 = Buffer.from(epk, 'base64url').toString('base64');
    expectTrustThrown(() => unwrapKeyWithPrivate({ ...w, epk: epkB64 }, dongle.privateKeyPem, aad), 'DECRYPT_FAILED');
    expectTrustThrown(() => unwrapKeyWithPrivate({ ...w, iv: 'AAAA' }, dongle.privateKeyPem, aad), 'WRAPPED_KEY_MALFORMED');
    expectTrustThrown(() => unwrapKeyWithPrivate({ v: 1 } as unknown as SignedEnvelope, dongle.privateKeyPem, aad), 'WRAPPED_KEY_MALFORMED');
    // A low-order (all-zero) ephemeral key gives no usable secret.
    expectTrustThrown(
      () => unwrapKeyWithPrivate({ ...w, epk: Buffer.alloc(32).toString('base64') }, dongle.privateKeyPem, aad),
      'DECRYPT_FAILED',
    );
  });
});
