import { createDecipheriv, createHash, hkdfSync } from 'node:crypto';
import { ProctorApiError, type ProctorClient } from './proctor-client';

/**
 * Session key and exam content (R6.3), implemented from docs/formats.md ("试题密钥下发")
 * alone: the released key is sealed for this PC's own credentials, the content is an
 * ESG1 blob (AES-256-GCM) bound to site, mode and session.
 */

/** GET /api/proctor/v1/sessions/{no}/key */
export interface ReleasedSessionKey {
  readonly v: 1;
  readonly sessionNo: number;
  readonly roomCode: string;
  readonly alg: 'HKDF-SHA256/AES-256-GCM';
  readonly salt: string;
  readonly iv: string;
  readonly ct: string;
  readonly tag: string;
  readonly contentSha256: string | null;
  readonly windowEndsAt: string;
}

export interface SessionContent {
  readonly bytes: Buffer;
  readonly sha256: string;
}

/** The 32-byte content key, opened with the stored credential token. */
export function openReleasedKey(released: ReleasedSessionKey, token: string): Buffer {
  if (released.v !== 1 || released.alg !== 'HKDF-SHA256/AES-256-GCM') throw new Error(`不支持的密钥封装格式 ${released.alg}`);
  const info = Buffer.from(`examsite/proctor-key/v1|${released.roomCode}|${released.sessionNo}`, 'utf8');
  const kek = Buffer.from(hkdfSync('sha256', Buffer.from(token, 'utf8'), Buffer.from(released.salt, 'base64'), info, 32));
  try {
    const decipher = createDecipheriv('aes-256-gcm', kek, Buffer.from(released.iv, 'base64'), { authTagLength: 16 });
    decipher.setAAD(info);
    decipher.setAuthTag(Buffer.from(released.tag, 'base64'));
    const key = Buffer.concat([decipher.update(Buffer.from(released.ct, 'base64')), decipher.final()]);
    if (key.length !== 32) throw new Error('key length');
    return key;
  } catch {
    throw new Error('无法解开考点下发的试题密钥（凭证不匹配或数据被篡改），请确认本机注册有效后重试');
  } finally {
    kek.fill(0);
  }
}

/** Decrypts an ESG1 blob: 'ESG1' | iv(12) | ciphertext | tag(16), AAD "examsite.content.v1|<site>|<mode>|<session>". */
export function decryptSessionContent(key: Buffer, sealed: Buffer, siteCode: string, mode: 'formal' | 'mock', sessionNo: number): Buffer {
  if (sealed.length < 32 || sealed.subarray(0, 4).toString('ascii') !== 'ESG1') throw new Error('考试内容格式错误（不是 ESG1）');
  const iv = sealed.subarray(4, 16);
  const tag = sealed.subarray(sealed.length - 16);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
    decipher.setAAD(Buffer.from(`examsite.content.v1|${siteCode}|${mode}|${sessionNo}`, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(sealed.subarray(16, sealed.length - 16)), decipher.final()]);
  } catch {
    throw new Error(`第 ${sessionNo} 场次的考试内容无法解密（密钥不对或内容已损坏）`);
  }
}

export async function fetchSessionKey(client: ProctorClient, sessionNo: number): Promise<Buffer> {
  const released = await client.call<ReleasedSessionKey>('GET', `/sessions/${sessionNo}/key`);
  const token = client.credentials?.token;
  if (!token) throw new ProctorApiError(0, 'NOT_REGISTERED', '本机尚未注册，请先执行 register');
  return openReleasedKey(released, token);
}

/** GET /api/proctor/v1/sessions/{no}/content: the encrypted content, checked against X-Content-SHA256. */
export async function fetchSessionContent(client: ProctorClient, sessionNo: number): Promise<SessionContent> {
  const res = await client.fetch(client.url(`/sessions/${sessionNo}/content`), { headers: client.authHeader(), signal: AbortSignal.timeout(60_000) });
  const body = Buffer.from(await res.arrayBuffer());
  if (!res.ok) {
    let code = `HTTP_${res.status}`;
    let message = `考点返回错误（状态码 ${res.status}）`;
    try {
      const e = (JSON.parse(body.toString('utf8')) as { error?: { code?: string; message?: string } }).error;
      if (e?.code) code = e.code;
      if (e?.message) message = e.message;
    } catch {
      // not JSON: keep the generic message
    }
    throw new ProctorApiError(res.status, code, message);
  }
  const sha256 = createHash('sha256').update(body).digest('hex');
  const declared = res.headers.get('x-content-sha256');
  if (declared && declared !== sha256) throw new ProctorApiError(res.status, 'CONTENT_CORRUPT', '下载的考试内容不完整或已损坏，请重试');
  return { bytes: body, sha256 };
}

/** Content + key → plaintext, for a PC that knows its site code and mode (from whoami). */
export async function fetchDecryptedContent(client: ProctorClient, sessionNo: number): Promise<{ plaintext: Buffer; sha256: string; keyFingerprint: string }> {
  const who = await client.whoami();
  const content = await fetchSessionContent(client, sessionNo);
  const key = await fetchSessionKey(client, sessionNo);
  try {
    return {
      plaintext: decryptSessionContent(key, content.bytes, who.siteCode, who.mode, sessionNo),
      sha256: content.sha256,
      keyFingerprint: keyFingerprint(key),
    };
  } finally {
    key.fill(0);
  }
}

/** What the CLI shows instead of the key itself. */
export function keyFingerprint(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}
