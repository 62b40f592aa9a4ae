import { createPublicKey, generateKeyPairSync, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';

/*
 * A self-signed X.509 v3 certificate (ECDSA P-256, SHA-256) built with node:crypto and the
 * few DER encodings it needs (ADR 023): no X.509 library is a dependency, and node:crypto's
 * X509Certificate parses and verifies the result.
 */

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
}

const sequence = (...items: Buffer[]): Buffer => tlv(0x30, ...items);
const set = (...items: Buffer[]): Buffer => tlv(0x31, ...items);
const explicit = (n: number, inner: Buffer): Buffer => tlv(0xa0 | n, inner);
const octetString = (b: Buffer): Buffer => tlv(0x04, b);
const bitString = (b: Buffer, unusedBits = 0): Buffer => tlv(0x03, Buffer.from([unusedBits]), b);
const utf8String = (s: string): Buffer => tlv(0x0c, Buffer.from(s, 'utf8'));
const booleanTrue = (): Buffer => tlv(0x01, Buffer.from([0xff]));

/** A non-negative INTEGER from big-endian bytes (minimal, a 0x00 in front of a set high bit). */
function unsignedInteger(bytes: Buffer): Buffer {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const trimmed = bytes.subarray(i);
  return tlv(0x02, (trimmed[0]! & 0x80) !== 0 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

function objectId(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number);
  const out: number[] = [40 * arcs[0]! + arcs[1]!];
  for (const arc of arcs.slice(2)) {
    const groups: number[] = [];
    for (let n = arc; ; n = Math.floor(n / 128)) {
      groups.unshift(n % 128);
      if (n < 128) break;
    }
    out.push(...groups.map((g, k) => (k < groups.length - 1 ? g | 0x80 : g)));
  }
  return tlv(0x06, Buffer.from(out));
}

/** UTCTime until 2049, GeneralizedTime from 2050 (RFC 5280 §4.1.2.5). */
function time(at: Date): Buffer {
  const iso = at.toISOString().replace(/[-:T]/g, '').slice(0, 14); // YYYYMMDDHHMMSS
  return at.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`)) : tlv(0x18, Buffer.from(`${iso}Z`));
}

const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  serverAuth: '1.3.6.1.5.5.7.3.1',
} as const;

function extension(oid: string, critical: boolean, value: Buffer): Buffer {
  return sequence(objectId(oid), ...(critical ? [booleanTrue()] : []), octetString(value));
}

export interface CertificateSubject {
  readonly commonName: string;
  readonly organization: string;
  /** subjectAltName dNSName entries. */
  readonly dnsNames: readonly string[];
  /** subjectAltName iPAddress entries (IPv4). */
  readonly ipv4Addresses: readonly string[];
}

export interface SelfSignedCertificate {
  readonly keyPem: string;
  readonly certPem: string;
}

function ipv4Bytes(address: string): Buffer {
  const parts = address.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`不是 IPv4 地址：${address}`);
  return Buffer.from(parts);
}

/** The DER TBSCertificate and the signed certificate around it. */
function buildCertificate(subject: CertificateSubject, publicKey: KeyObject, privateKey: KeyObject, notBefore: Date, notAfter: Date): Buffer {
  const name = sequence(
    set(sequence(objectId(OID.organization), utf8String(subject.organization))),
    set(sequence(objectId(OID.commonName), utf8String(subject.commonName))),
  );
  const algorithm = sequence(objectId(OID.ecdsaWithSha256));
  const serial = randomBytes(16);
  serial[0]! &= 0x7f;
  const altNames = sequence(
    ...subject.dnsNames.map((d) => tlv(0x82, Buffer.from(d, 'ascii'))),
    ...subject.ipv4Addresses.map((ip) => tlv(0x87, ipv4Bytes(ip))),
  );
  const extensions = sequence(
    extension(OID.basicConstraints, true, sequence()),
    // digitalSignature only (bit 0): the key signs the TLS handshake, nothing else.
    extension(OID.keyUsage, true, bitString(Buffer.from([0x80]), 7)),
    extension(OID.extKeyUsage, false, sequence(objectId(OID.serverAuth))),
    extension(OID.subjectAltName, false, altNames),
  );
  const tbs = sequence(
    explicit(0, unsignedInteger(Buffer.from([2]))),
    unsignedInteger(serial),
    algorithm,
    name,
    sequence(time(notBefore), time(notAfter)),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, extensions),
  );
  // ECDSA signatures come out of node:crypto as DER Ecdsa-Sig-Value, as X.509 wants them.
  return sequence(tbs, algorithm, bitString(sign('sha256', tbs, privateKey)));
}

function pem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** A new P-256 key and a certificate for it valid from a day ago for `years` years. */
export function createSelfSignedCertificate(subject: CertificateSubject, years: number, now: Date = new Date()): SelfSignedCertificate {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const notBefore = new Date(now.getTime() - 24 * 3600_000);
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + years);
  const der = buildCertificate(subject, createPublicKey(privateKey), privateKey, notBefore, notAfter);
  const certPem = pem('CERTIFICATE', der);
  // Parsed back by node:crypto: a certificate this code got wrong never reaches a file.
  const parsed = new X509Certificate(certPem);
  if (!parsed.verify(createPublicKey(privateKey)) || !parsed.checkPrivateKey(privateKey)) throw new Error('生成的证书未通过校验');
  return { keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), certPem };
}
