import { createReadStream, promises as fsp } from 'node:fs';
import * as tus from 'tus-js-client';
import type { ProctorClient } from './proctor-client';
import { ProctorApiError } from './proctor-client';

export interface UploadAnswer {
  /** The site's signed receipt: keep it (docs/formats.md 回执). */
  readonly receipt: Record<string, unknown>;
  readonly duplicate: boolean;
  /** The tus upload URL (to resume after a crash of this PC). */
  readonly uploadUrl: string | null;
}

export interface UploadOptions {
  readonly sha256: string;
  readonly chunkSize?: number;
  /** Resume this earlier upload instead of starting a new one. */
  readonly uploadUrl?: string | null;
  readonly onProgress?: (sent: number, total: number) => void;
  /** Called as soon as the site created the upload (store it to resume later). */
  readonly onUploadUrl?: (url: string) => void;
  readonly retryDelays?: number[];
  /** Stops the upload (like a PC switched off) once the site accepted this many bytes (tests). */
  readonly stopAfterBytes?: number;
}

/**
 * 上报 over HTTP (docs/proctor-protocol.md): a stock tus 1.0 client (tus-js-client) against
 * /rooms/<room>/sessions/<no>/results, resuming from the site's stored offset; the last
 * PATCH answers with the receipt once the site accepted the package.
 */
export async function uploadResultOverHttp(client: ProctorClient, sessionNo: number, file: string, options: UploadOptions): Promise<UploadAnswer> {
  const creds = client.credentials;
  if (!creds) throw new ProctorApiError(0, 'NOT_REGISTERED', '本机尚未注册，请先执行 register');
  const size = (await fsp.stat(file)).size;
  return new Promise<UploadAnswer>((resolve, reject) => {
    // A file ReadStream: tus-js-client reads each chunk (and a resumed offset) as a range of
    // the file, never the whole package in memory (50 × 100 MB in one bench process).
    const upload = new tus.Upload(createReadStream(file), {
      endpoint: client.url(`/rooms/${creds.roomCode}/sessions/${sessionNo}/results`),
      uploadUrl: options.uploadUrl ?? null,
      headers: client.authHeader(),
      metadata: { sha256: options.sha256, filename: file.split(/[\\/]/).pop() ?? 'result.zip' },
      uploadSize: size,
      chunkSize: options.chunkSize ?? 8 * 1024 * 1024,
      retryDelays: options.retryDelays ?? [0, 500, 2000],
      // https:// sites: every PATCH goes over the pinned connections (pinned-tls.ts).
      ...(client.agent ? { httpStack: new tus.DefaultHttpStack({ agent: client.agent }) } : {}),
      storeFingerprintForResuming: false,
      onProgress: options.onProgress ?? null,
      onChunkComplete: (_chunk, accepted) => {
        if (options.stopAfterBytes !== undefined && accepted >= options.stopAfterBytes && accepted < size) {
          void upload.abort().then(() => reject(new ProctorApiError(0, 'ABORTED', `上传在 ${accepted} 字节处中断`)));
        }
      },
      onUploadUrlAvailable: () => {
        if (upload.url) options.onUploadUrl?.(upload.url);
      },
      onError: (e) => {
        const res = (e as tus.DetailedError).originalResponse;
        if (!res) return reject(new ProctorApiError(0, 'NETWORK', `上传中断：${e.message}`));
        const parsed = parseError(res.getBody());
        reject(new ProctorApiError(res.getStatus(), parsed.code, parsed.message));
      },
      onSuccess: ({ lastResponse }) => {
        try {
          const body = JSON.parse(lastResponse.getBody()) as { receipt: Record<string, unknown>; duplicate: boolean };
          resolve({ receipt: body.receipt, duplicate: body.duplicate, uploadUrl: upload.url });
        } catch {
          reject(new ProctorApiError(lastResponse.getStatus(), 'NO_RECEIPT', '上传已完成但考点没有返回回执，请稍后重新上报以取得回执'));
        }
      },
    });
    upload.start();
  });
}

function parseError(body: string): { code: string; message: string } {
  try {
    const e = (JSON.parse(body) as { error?: { code?: string; message?: string } }).error;
    if (e?.code && e.message) return { code: e.code, message: e.message };
  } catch {
    // not our JSON error body
  }
  return { code: 'UPLOAD_FAILED', message: body.trim() || '上传失败' };
}
