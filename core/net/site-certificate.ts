import { promises as fsp } from 'node:fs';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import path from 'node:path';
import { createSelfSignedCertificate } from '../crypto/self-signed-certificate';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from '../files/private-files';
import { writeFileDurably } from '../files/write-durably';

/**
 * The site's own TLS certificate (issue 15 point 4, ADR 023): made at first start, kept in
 * `<dataDir>/tls/site.pem` (key and certificate in one 0600 file, so a crash leaves both or
 * neither), served to proctors over HTTPS and FTP's AUTH TLS. Proctors pin its SHA-256
 * fingerprint, printed on the 导出考点信息 sheet; no certificate authority is involved.
 */
export interface SiteCertificate {
  readonly keyPem: string;
  readonly certPem: string;
  /** SHA-256 of the DER certificate, upper-case hex pairs joined by colons (as Node and browsers show it). */
  readonly fingerprint256: string;
  readonly validTo: string;
}

export const SITE_CERTIFICATE_FILE = path.join('tls', 'site.pem');
const CERTIFICATE_YEARS = 20;

const PEM_BLOCK = /-----BEGIN ([A-Z ]+)-----[\s\S]+?-----END \1-----\n?/g;

function describe(keyPem: string, certPem: string): SiteCertificate {
  const cert = new X509Certificate(certPem);
  if (!cert.checkPrivateKey(createPrivateKey(keyPem))) throw new Error('私钥与证书不匹配');
  return { keyPem, certPem, fingerprint256: cert.fingerprint256, validTo: cert.validTo };
}

function parse(text: string): SiteCertificate {
  const blocks = new Map<string, string>();
  for (const m of text.matchAll(PEM_BLOCK)) blocks.set(m[1]!, m[0].endsWith('\n') ? m[0] : `${m[0]}\n`);
  const key = blocks.get('PRIVATE KEY');
  const cert = blocks.get('CERTIFICATE');
  if (!key || !cert) throw new Error('缺少私钥或证书');
  return describe(key, cert);
}

/** Reads the site certificate, making it on the first start. A damaged file stops the start with what to do. */
export async function loadOrCreateSiteCertificate(dataDir: string): Promise<SiteCertificate> {
  const file = path.join(dataDir, SITE_CERTIFICATE_FILE);
  let text: string | null = null;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  if (text !== null) {
    try {
      return parse(text);
    } catch (e) {
      throw new Error(
        `考点证书文件 ${file} 已损坏（${(e as Error).message}）。删除该文件后重新启动将生成新证书，之后须重新导出并打印考点信息单，监考机按新的证书指纹重新连接`,
      );
    }
  }
  ensurePrivateDir(path.dirname(file));
  const made = createSelfSignedCertificate(
    { commonName: '考点管理系统', organization: '1+X 考点', dnsNames: ['localhost'], ipv4Addresses: ['127.0.0.1'] },
    CERTIFICATE_YEARS,
  );
  await writeFileDurably(file, `${made.keyPem}${made.certPem}`, { mode: PRIVATE_FILE_MODE });
  return describe(made.keyPem, made.certPem);
}

/** A fingerprint as people type it (any case, colons, spaces or none) in the canonical form, or null. */
export function normalizeFingerprint256(text: string): string | null {
  const hex = text.replace(/[\s:]/g, '').toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) return null;
  return hex.match(/../g)!.join(':');
}
