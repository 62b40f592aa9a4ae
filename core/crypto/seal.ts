import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { TrustError } from './trust-error';

/**
 * Sealed bytes: `'ESG1' | iv (12) | ciphertext | tag (16)`, AES-256-GCM, the caller's AAD
 * binding the blob to its context (site, session, purpose). See docs/crypto.md.
 */
export const SEALED_MAGIC = Buffer.from('ESG1', 'ascii');
export const SEALED_IV_BYTES = 12;
export const SEALED_TAG_BYTES = 16;
export const SEALED_OVERHEAD = SEALED_MAGIC.length + SEALED_IV_BYTES + SEALED_TAG_BYTES;

const EMPTY = Buffer.alloc(0);

export function sealBytes(key32: Buffer, plaintext: Buffer, aad: Buffer = EMPTY): Buffer {
  checkKey(key32);
  const iv = randomBytes(SEALED_IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key32, iv);
  cipher.setAAD(aad);
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([SEALED_MAGIC, iv, ct, cipher.getAuthTag()]);
}

export function openBytes(key32: Buffer, sealed: Buffer, aad: Buffer = EMPTY): Buffer {
  checkKey(key32);
  if (sealed.length < SEALED_OVERHEAD || !sealed.subarray(0, SEALED_MAGIC.length).equals(SEALED_MAGIC)) {
    throw new TrustError('DECRYPT_FAILED', '加密数据格式错误（不是 ESG1 格式或已截断），请重新获取原始文件');
  }
  const iv = sealed.subarray(SEALED_MAGIC.length, SEALED_MAGIC.length + SEALED_IV_BYTES);
  const ct = sealed.subarray(SEALED_MAGIC.length + SEALED_IV_BYTES, sealed.length - SEALED_TAG_BYTES);
  const tag = sealed.subarray(sealed.length - SEALED_TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key32, iv, { authTagLength: SEALED_TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ct), decipher.final()]);
  } catch (e) {
    throw new TrustError(
      'DECRYPT_FAILED',
      '解密失败：数据已被篡改、损坏，或不属于本考点/本场次；请重新获取原始文件',
      { cause: e },
    );
  }
}

function checkKey(key: Buffer): void {
  // A wrong key length is a programming error, not a user-facing trust decision.
  if (!Buffer.isBuffer(key) || key.length !== 32) throw new RangeError('AES-256-GCM key must be 32 bytes');
}
