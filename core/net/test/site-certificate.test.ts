import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadOrCreateSiteCertificate, normalizeFingerprint256, SITE_CERTIFICATE_FILE } from '../site-certificate';

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('the site TLS certificate (issue 15 point 4, ADR 023)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'examsite-cert-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is made once and kept: the next start shows the same certificate and fingerprint', async () => {
    const first = await loadOrCreateSiteCertificate(dir);
    const again = await loadOrCreateSiteCertificate(dir);
    expect(again.fingerprint256).to.equal(first.fingerprint256);
    expect(first.fingerprint256).to.match(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    const cert = new X509Certificate(first.certPem);
    expect(cert.fingerprint256).to.equal(first.fingerprint256);
    expect(cert.ca).to.equal(false);
    expect(cert.checkHost('localhost')).to.equal('localhost');
    expect(cert.checkIP('127.0.0.1')).to.equal('127.0.0.1');
    expect(new Date(cert.validTo).getTime() - Date.now()).to.be.greaterThan(19 * 365 * 24 * 3600_000);
  });

  it('is a well-formed X.509 v3 certificate to an independent parser (openssl)', async function () {
    if (!hasOpenssl()) this.skip();
    const made = await loadOrCreateSiteCertificate(dir);
    const text = execFileSync('openssl', ['x509', '-noout', '-text'], { input: made.certPem }).toString();
    expect(text).to.contain('Version: 3 (0x2)').and.contain('ecdsa-with-SHA256').and.contain('NIST CURVE: P-256');
    expect(text).to.contain('CA:FALSE').and.contain('Digital Signature').and.contain('TLS Web Server Authentication').and.contain('DNS:localhost, IP Address:127.0.0.1');
    // Self-signed: verifies against itself as the only trust anchor.
    const certFile = path.join(dir, 'cert.pem');
    fs.writeFileSync(certFile, made.certPem);
    expect(execFileSync('openssl', ['verify', '-CAfile', certFile, certFile]).toString()).to.contain('OK');
  });

  it('a damaged certificate file stops the start with what to do, and is left as it was', async () => {
    await loadOrCreateSiteCertificate(dir);
    const file = path.join(dir, SITE_CERTIFICATE_FILE);
    const damaged = fs.readFileSync(file, 'utf8').replace(/-----BEGIN CERTIFICATE-----[\s\S]*$/, '');
    fs.writeFileSync(file, damaged);
    let refused: Error | null = null;
    await loadOrCreateSiteCertificate(dir).catch((e: Error) => (refused = e));
    expect(refused!.message).to.contain('考点证书文件').and.contain('已损坏').and.contain('删除该文件后重新启动将生成新证书');
    expect(fs.readFileSync(file, 'utf8')).to.equal(damaged);
  });

  it('reads a fingerprint as people type it', () => {
    const canonical = Array.from({ length: 32 }, () => 'AB').join(':');
    expect(normalizeFingerprint256('ab'.repeat(32))).to.equal(canonical);
    expect(normalizeFingerprint256(` ${canonical.toLowerCase()} `)).to.equal(canonical);
    expect(normalizeFingerprint256('AB:CD')).to.equal(null);
    expect(normalizeFingerprint256('zz'.repeat(32))).to.equal(null);
  });
});
