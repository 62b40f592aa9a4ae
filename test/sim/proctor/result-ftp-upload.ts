import { createReadStream } from 'node:fs';
import { Client } from 'basic-ftp';
import type { ProctorClient } from './proctor-client';
import { ProctorApiError } from './proctor-client';

interface FtpStatus {
  readonly fileName: string;
  readonly offset: number;
  readonly state: 'receiving' | 'accepted' | 'refused';
  readonly ftpPort: number;
  readonly receipt?: Record<string, unknown>;
  readonly message?: string;
}

/**
 * 上报 over FTP (docs/proctor-protocol.md "FTP upload"): declare size and SHA-256 over HTTP,
 * log in with the room code and the credential, resume with REST from the offset the site
 * holds, STOR; then read the receipt from the declaration's status.
 */
export async function uploadResultOverFtp(client: ProctorClient, sessionNo: number, file: string, declared: { size: number; sha256: string }): Promise<{ receipt: Record<string, unknown> }> {
  const creds = client.credentials;
  if (!creds) throw new ProctorApiError(0, 'NOT_REGISTERED', '本机尚未注册，请先执行 register');
  const intent = await client.call<FtpStatus>('POST', `/sessions/${sessionNo}/results/ftp-intent`, declared);
  if (intent.state === 'accepted' && intent.receipt) return { receipt: intent.receipt };
  const ftp = new Client(60_000);
  try {
    // An https:// site: explicit TLS (AUTH TLS, PROT P) before the credential goes out, pinned like HTTPS.
    const secure = client.agent ? { secure: true, secureOptions: client.agent.tlsOptionsForOtherServices() } : {};
    await ftp.access({ host: new URL(creds.siteUrl).hostname, port: intent.ftpPort, user: creds.roomCode, password: creds.token, ...secure });
    if (intent.offset > 0) await ftp.send(`REST ${intent.offset}`);
    await ftp.uploadFrom(createReadStream(file, { start: intent.offset, highWaterMark: 1024 * 1024 }), intent.fileName);
  } catch (e) {
    const status = await client.call<FtpStatus>('GET', `/sessions/${sessionNo}/results/ftp/${intent.fileName}`).catch(() => null);
    throw new ProctorApiError(0, 'FTP_UPLOAD_FAILED', status?.message ?? `FTP 上传中断：${(e as Error).message}；再次执行 upload --ftp 将从已保存的位置续传`);
  } finally {
    ftp.close();
  }
  const done = await client.call<FtpStatus>('GET', `/sessions/${sessionNo}/results/ftp/${intent.fileName}`);
  if (done.state !== 'accepted' || !done.receipt) throw new ProctorApiError(0, 'FTP_NOT_ACCEPTED', done.message ?? '考点尚未确认接收该结果数据包');
  return { receipt: done.receipt };
}
