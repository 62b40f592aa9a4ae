import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { decodeBase64Strict, decodeBase64UrlStrict } from './encoding';
import { TrustError } from './trust-error';

/**
 * A key (e.g. a session content key) wrapped for one X25519 recipient (a dongle):
 * ephemeral ECDH + HKDF-SHA256 + AES-256-GCM. Fields are standard base64. See docs/crypto.md.
 */
export interface WrappedKey {
  readonly v: 1;
  /** Ephemeral X25519 public key, 32 raw bytes. */
  readonly epk: string;
  /** 12 bytes. */
  readonly iv: string;
  readonly ct: string;
  /** 16 bytes. */
  readonly tag: string;
}

export interface WrappingKeyPair {
  /** base64url of the 32-byte raw X25519 public key. */
  readonly publicKey: string;
  readonly privateKeyPem: string;
}

export const WRAP_HKDF_INFO = Buffer.from('examsite/wrap/v1', 'ascii');
/** Wrapped secrets are keys, not documents. */
export const MAX_WRAPPED_KEY_BYTES = 1024;

export function generateWrappingKeyPair(): WrappingKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  return {
    publicKey: rawText(publicKey),
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  };
}

/** Public key text of an X25519 private key (PEM). */
export function wrappingPublicKeyOf(privateKeyPem: string): string {
  return rawText(createPublicKey(loadX25519Private(privateKeyPem)));
}

export function wrapKeyForRecipient(key: Buffer, recipientPublicKeyText: string, aad: Buffer): WrappedKey {
  if (key.length === 0 || key.length > MAX_WRAPPED_KEY_BYTES) throw new RangeError('wrapped key must be 1..1024 bytes');
  const recipientRaw = decodeBase64UrlStrict(recipientPublicKeyText);
  if (!recipientRaw || recipientRaw.length !== 32) {
    throw new TrustError('WRAPPED_KEY_MALFORMED', '机考锁加密公钥格式错误：应为 43 个字符的 base64url 文本（32 字节 X25519 公钥）');
  }
  const eph = generateKeyPairSync('x25519');
  const epkRaw = Buffer.from(rawText(eph.publicKey), 'base64url');
  const kek = deriveKek(eph.privateKey, x25519PublicFromRaw(recipientRaw), epkRaw, recipientRaw);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', kek, iv);
  cipher.setAAD(aad);
  const ct = Buffer.concat([cipher.update(key), cipher.final()]);
  return {
    v: 1,
    epk: epkRaw.toString('base64'),
    iv: iv.toString('base64'),
    ct: ct.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
  };
}

/** Checks the shape of an untrusted wrapped key; throws TrustError 'WRAPPED_KEY_MALFORMED'. */
export function parseWrappedKey(value: unknown): { epk: Buffer; iv: Buffer; ct: Buffer; tag: Buffer } {
  const v = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const epk = decodeBase64Strict(v.epk);
  const iv = decodeBase64Strict(v.iv);
  const ct = decodeBase64Strict(v.ct);
  const tag = decodeBase64Strict(v.tag);
  if (v.v !== 1 || !epk || epk.length !== 32 || !iv || iv.length !== 12 || !ct || ct.length === 0 ||
      ct.length > MAX_WRAPPED_KEY_BYTES || !tag || tag.length !== 16) {
    throw new TrustError('WRAPPED_KEY_MALFORMED', '加密密钥数据格式错误（字段缺失或长度不符），请重新获取考试授权');
  }
  return { epk, iv, ct, tag };
}

export function unwrapKeyWithPrivate(wrapped: unknown, privateKeyPem: string, aad: Buffer): Buffer {
  const w = parseWrappedKey(wrapped);
  const priv = loadX25519Private(privateKeyPem);
  const recipientRaw = Buffer.from(rawText(createPublicKey(priv)), 'base64url');
  try {
    const kek = deriveKek(priv, x25519PublicFromRaw(w.epk), w.epk, recipientRaw);
    const decipher = createDecipheriv('aes-256-gcm', kek, w.iv, { authTagLength: 16 });
    decipher.setAAD(aad);
    decipher.setAuthTag(w.tag);
    return Buffer.concat([decipher.update(w.ct), decipher.final()]);
  } catch (e) {
    throw new TrustError(
      'DECRYPT_FAILED',
      '无法解开考试密钥：该密钥不是发给当前机考锁的，或数据已被篡改；请确认插入的是本考点的机考锁并重新获取考试授权',
      { cause: e },
    );
  }
}

/** HKDF-SHA256(ikm = X25519 shared secret, salt = epk || recipient, info = WRAP_HKDF_INFO). */
function deriveKek(priv: KeyObject, pub: KeyObject, epkRaw: Buffer, recipientRaw: Buffer): Buffer {
  const shared = diffieHellman({ privateKey: priv, publicKey: pub });
  // An all-zero secret means a low-order public key: refuse rather than derive a known key.
  if (shared.every((b) => b === 0)) throw new Error('X25519 shared secret is zero');
  return Buffer.from(hkdfSync('sha256', shared, Buffer.concat([epkRaw, recipientRaw]), WRAP_HKDF_INFO, 32));
}

function x25519PublicFromRaw(raw: Buffer): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: raw.toString('base64url') }, format: 'jwk' });
}

function rawText(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' });
  if (typeof jwk.x !== 'string') throw new TypeError('not an OKP public key');
  return jwk.x;
}

function loadX25519Private(pem: string): KeyObject {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'x25519') throw new TypeError('expected an X25519 private key');
  return key;
}
