import { promises as fsp } from 'node:fs';
import { writeFileDurably } from '../../../core/files/write-durably';

/** What a proctor PC keeps after registering (the credential is shown by the site only once). */
export interface ProctorCredentials {
  readonly siteUrl: string;
  readonly siteCode: string;
  readonly roomCode: string;
  readonly machineId: string;
  readonly registrationId: string;
  readonly registeredAt: string;
  readonly token: string;
  /** The PC's result-signing key (Ed25519, PKCS#8 PEM); its public half was sent at registration. */
  readonly signingPrivateKeyPem?: string;
  /** The site certificate's SHA-256 fingerprint, pinned for an https:// siteUrl (pinned-tls.ts). */
  readonly tlsFingerprint256?: string;
}

export const DEFAULT_CREDENTIALS_FILE = 'proctor-credentials.json';

function isCredentials(v: unknown): v is ProctorCredentials {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return ['siteUrl', 'siteCode', 'roomCode', 'machineId', 'registrationId', 'registeredAt', 'token'].every((k) => typeof o[k] === 'string');
}

export async function loadCredentials(file: string): Promise<ProctorCredentials | null> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`凭证文件 ${file} 已损坏（不是有效的 JSON），请删除后重新注册`);
  }
  if (!isCredentials(parsed)) throw new Error(`凭证文件 ${file} 内容不完整，请删除后重新注册`);
  return parsed;
}

/** Written durably (core/files: temp, fsync, rename, folder fsync); readable by this user only. */
export async function saveCredentials(file: string, credentials: ProctorCredentials): Promise<void> {
  await writeFileDurably(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
}

export async function deleteCredentials(file: string): Promise<boolean> {
  try {
    await fsp.unlink(file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}
