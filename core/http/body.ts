import type { IncomingMessage } from 'node:http';
import { AppError, badRequest, tooLarge, unsupportedMediaType } from './errors';

/**
 * Reads a request body into memory, refusing more than `maxBytes` before buffering it.
 * Plain stream events, not an async iterator: this runs on every heartbeat, and the
 * iterator's set-up was a measurable part of the route's cost (issue 11 point 9).
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.reject(bodyTooLarge(maxBytes));
  if (req.readableEnded) return Promise.resolve(Buffer.alloc(0));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const done = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      total += chunk.length;
      if (total > maxBytes) {
        done();
        req.resume();
        reject(bodyTooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      done();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total));
    };
    const onError = (e: Error): void => {
      done();
      reject(e);
    };
    // The client went away before the end: the same error an aborted async iteration gives.
    const onClose = (): void => {
      done();
      reject(Object.assign(new Error('request body ended before it was complete'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/**
 * A streamed body that stops with 413 as soon as it exceeds `maxBytes` (Content-Length
 * checked first), so a handler that writes it to disk never stores more than the limit.
 */
export function limitBody(req: IncomingMessage, maxBytes: number): AsyncIterable<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) throw bodyTooLarge(maxBytes);
  return (async function* limited() {
    let total = 0;
    for await (const chunk of req) {
      const buf = chunk as Buffer;
      total += buf.length;
      if (total > maxBytes) {
        req.resume();
        throw bodyTooLarge(maxBytes);
      }
      yield buf;
    }
  })();
}

function bodyTooLarge(maxBytes: number): AppError {
  return tooLarge('BODY_TOO_LARGE', `请求内容超过 ${formatBytes(maxBytes)} 的上限，请检查所选文件是否正确`);
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 * 1024) return `${(n / 1024 / 1024 / 1024).toFixed(1)} GB`;
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(0)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(0)} KB`;
  return `${n} 字节`;
}

/**
 * Exactly `application/json`, optionally with a UTF-8 charset. Anything looser lets a page
 * on another origin send JSON as a "simple" request without a CORS preflight (for instance
 * `text/plain;charset=json`).
 */
export function isJsonContentType(header: string): boolean {
  const [type, ...params] = header.split(';').map((part) => part.trim().toLowerCase());
  if (type !== 'application/json') return false;
  return params.every((p) => p === '' || /^charset="?utf-8"?$/.test(p));
}

export async function readJson(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const type = String(req.headers['content-type'] ?? '');
  if (type !== '' && !isJsonContentType(type)) throw unsupportedMediaType('请求内容类型应为 application/json');
  const raw = await readBody(req, maxBytes);
  if (raw.length === 0) return undefined;
  if (type === '') throw unsupportedMediaType('请求内容类型应为 application/json');
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw badRequest('INVALID_JSON', '请求内容不是有效的 JSON');
  }
}
