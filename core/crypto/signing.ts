import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign as edSign,
  verify as edVerify,
  type KeyObject,
} from 'node:crypto';
import { decodeBase64Strict, decodeBase64UrlStrict } from './encoding';
import { TrustError } from './trust-error';

/** Ed25519 key pair; `publicKey` is the text form (base64url of the 32 raw bytes). */
export interface SigningKeyPair {
  readonly publicKey: string;
  readonly privateKeyPem: string;
  readonly keyId: string;
}

/** A signed JSON document. `payload` is base64 of the exact bytes that were signed. */
export interface SignedEnvelope {
  readonly v: 1;
  readonly keyId: string;
  readonly payload: string;
  readonly sig: string;
}

const KEY_ID = /^[0-9a-f]{16}$/;
/** Envelopes are small documents (tokens, authorizations); a cap stops memory abuse. */
export const MAX_ENVELOPE_PAYLOAD_BYTES = 8 * 1024 * 1024;

export function keyIdOfRaw(raw: Buffer): string {
  return createHash('sha256').update(raw).digest('hex').slice(0, 16);
}

export function generateSigningKeyPair(): SigningKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const text = rawPublicKeyText(publicKey);
  return {
    publicKey: text,
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    keyId: keyIdOfRaw(Buffer.from(text, 'base64url')),
  };
}

/** keyId of a public key in text form; throws TrustError if the text is not a key. */
export function keyIdOf(publicKeyText: string): string {
  return keyIdOfRaw(rawOf(publicKeyText, 1));
}

/** Public key text of an Ed25519 private key (PEM). */
export function signingPublicKeyOf(privateKeyPem: string): string {
  return rawPublicKeyText(createPublicKey(loadEd25519Private(privateKeyPem)));
}

export function signBytes(data: Buffer, privateKeyPem: string): Buffer {
  return edSign(null, data, loadEd25519Private(privateKeyPem));
}

/** Low-level check against one known key text; false on any mismatch, never throws. */
export function verifyBytes(data: Buffer, signature: Buffer, publicKeyText: string): boolean {
  const raw = decodeBase64UrlStrict(publicKeyText);
  if (!raw || raw.length !== 32 || signature.length !== 64) return false;
  try {
    return edVerify(null, data, ed25519PublicFromRaw(raw), signature);
  } catch {
    return false;
  }
}

/** Signs `JSON.stringify(obj)` (UTF-8). `key` is a PEM or anything holding `privateKeyPem`. */
export function signJson(obj: unknown, key: string | { readonly privateKeyPem: string }): SignedEnvelope {
  const pem = typeof key === 'string' ? key : key.privateKeyPem;
  const json = JSON.stringify(obj);
  if (json === undefined) throw new TypeError('signJson: value is not JSON-serializable');
  const bytes = Buffer.from(json, 'utf8');
  return {
    v: 1,
    keyId: keyIdOf(signingPublicKeyOf(pem)),
    payload: bytes.toString('base64'),
    sig: signBytes(bytes, pem).toString('base64'),
  };
}

/**
 * Checks an envelope against the pinned keys and returns its payload object. The payload is
 * parsed only after the signature checked out: unsigned bytes never reach JSON.parse.
 */
export function openSignedJson(envelope: unknown, trustedKeys: readonly string[]): Record<string, unknown> {
  const env = asEnvelope(envelope);
  const bytes = decodeBase64Strict(env.payload);
  const sig = decodeBase64Strict(env.sig);
  if (!bytes || !sig || sig.length !== 64) {
    throw malformed('payload 或 sig 不是有效的 base64，或签名长度不是 64 字节');
  }
  if (bytes.length > MAX_ENVELOPE_PAYLOAD_BYTES) throw malformed('内容超过大小上限');
  checkSignature(bytes, sig, env.keyId, trustedKeys);
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw malformed('签名内容不是 JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformed('签名内容不是 JSON 对象');
  return value as Record<string, unknown>;
}

/** Checks a detached signature over file bytes (e.g. a package manifest). Throws TrustError. */
export function verifyDetached(data: Buffer, sigB64: string, keyId: string, trustedKeys: readonly string[]): void {
  if (typeof keyId !== 'string' || !KEY_ID.test(keyId)) throw malformed('签名的 keyId 不是 16 位十六进制');
  const sig = decodeBase64Strict(sigB64);
  if (!sig || sig.length !== 64) throw malformed('签名不是 64 字节的 base64');
  checkSignature(data, sig, keyId, trustedKeys);
}

/**
 * Said when no centre key is pinned: where to pin it and what to do, for a person (README,
 * "固定监控平台公钥", shows the file's exact form).
 */
export const CENTRE_KEYS_MISSING_MESSAGE =
  '本考点尚未固定监控平台的公钥，无法核验文件是否由监控平台签发，因此不能使用。' +
  '请联系技术人员：把监控平台提供的公钥填入考点服务器数据目录中的配置文件 examsite.config.json（“中心公钥”一项，填写方法见使用说明“固定监控平台公钥”），' +
  '然后重新启动考点管理系统，再重新导入';

/**
 * Parses the configured centre keys: comma (or whitespace) separated public key texts.
 * Refuses an empty list: without a pinned key nothing from the centre could be trusted.
 */
export function parseTrustedKeys(text: string): string[] {
  const items = text.split(/[\s,，]+/).filter((s) => s.length > 0);
  if (items.length === 0) {
    throw new TrustError('TRUSTED_KEY_INVALID', CENTRE_KEYS_MISSING_MESSAGE);
  }
  const out: string[] = [];
  items.forEach((item, i) => {
    rawOf(item, i + 1);
    if (!out.includes(item)) out.push(item);
  });
  return out;
}

function checkSignature(data: Buffer, sig: Buffer, keyId: string, trustedKeys: readonly string[]): void {
  const key = trustedKeys.find((k) => safeKeyId(k) === keyId);
  if (!key) {
    throw new TrustError(
      'KEY_UNKNOWN',
      `签名密钥 ${keyId} 不在本考点信任的中心公钥中，文件可能不是监控平台签发的；请从监控平台重新获取，或核对中心公钥配置`,
    );
  }
  if (!verifyBytes(data, sig, key)) {
    throw new TrustError('SIGNATURE_INVALID', '签名校验失败，内容已被篡改或损坏；请从监控平台重新获取原始文件');
  }
}

function asEnvelope(value: unknown): SignedEnvelope {
  if (typeof value !== 'object' || value === null) throw malformed('不是签名文档对象');
  const v = value as Record<string, unknown>;
  if (v.v !== 1) throw malformed('版本号 v 必须为 1');
  if (typeof v.keyId !== 'string' || !KEY_ID.test(v.keyId)) throw malformed('keyId 不是 16 位十六进制');
  if (typeof v.payload !== 'string' || typeof v.sig !== 'string') throw malformed('缺少 payload 或 sig');
  return { v: 1, keyId: v.keyId, payload: v.payload, sig: v.sig };
}

function malformed(detail: string): TrustError {
  return new TrustError('ENVELOPE_MALFORMED', `签名文档格式错误：${detail}；请确认导入的是监控平台签发的原始文件`);
}

function rawOf(text: string, position: number): Buffer {
  const raw = decodeBase64UrlStrict(text);
  let ok = raw !== null && raw.length === 32;
  if (ok) {
    try {
      ed25519PublicFromRaw(raw as Buffer);
    } catch {
      ok = false;
    }
  }
  if (!ok) {
    const shown = text.length > 20 ? `${text.slice(0, 20)}…` : text;
    throw new TrustError(
      'TRUSTED_KEY_INVALID',
      `中心公钥第 ${position} 项“${shown}”无效：应为 43 个字符的 base64url 文本（32 字节 Ed25519 公钥）；请按监控平台提供的公钥重新填写`,
    );
  }
  return raw as Buffer;
}

function safeKeyId(text: string): string | null {
  const raw = decodeBase64UrlStrict(text);
  return raw && raw.length === 32 ? keyIdOfRaw(raw) : null;
}

function ed25519PublicFromRaw(raw: Buffer): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
}

function rawPublicKeyText(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' });
  if (typeof jwk.x !== 'string') throw new TypeError('not an OKP public key');
  return jwk.x;
}

function loadEd25519Private(pem: string): KeyObject {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new TypeError('expected an Ed25519 private key');
  return key;
}
