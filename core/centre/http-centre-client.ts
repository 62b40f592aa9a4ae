import { createReadStream, promises as fsp } from 'node:fs';
import type { ZodType } from 'zod';
import { sha256File, sha256Hex } from '../crypto/hash';
import { openSignedJson } from '../crypto/signing';
import { TrustError } from '../crypto/trust-error';
import type {
  CentreCallOptions,
  CentreClient,
  UploadFileOptions,
  UploadResult,
  UploadState,
} from './centre-client';
import { checkEndpointInput, type CentreEndpoint, type CentreFile, type CentreReply } from './centre-endpoint';
import {
  CENTRE_API_PREFIX,
  CENTRE_HEADERS,
  UPLOAD_CONTENT_TYPE,
  centreErrorBodySchema,
  centrePaths,
  encodeUploadMetadata,
  pingReplySchema,
  reportAckSchema,
  reportRequestSchema,
  sha256HexSchema,
  signedEnvelopeSchema,
  uploadCompleteReplySchema,
  uploadIdSchema,
  uploadMetadataSchema,
  MAX_REPORT_BYTES,
  type PingReply,
  type ReportAck,
  type ReportRequest,
} from './centre-contract';
import { CENTRE_MESSAGES, CentreError } from './centre-error';

export interface HttpCentreClientOptions {
  /** e.g. https://centre.example/ ; empty = not configured (every call: CENTRE_NOT_CONFIGURED). */
  readonly baseUrl: string;
  /** Idle timeout: no byte for this long (connect, headers, body) aborts the exchange. */
  readonly timeoutMs: number;
  /** Pinned centre public keys (text form) for signed replies. */
  readonly trustedKeys: readonly string[];
  /** Extra attempts for idempotent GETs on transient failures. Default 2. */
  readonly getRetries?: number;
  /** First pause between GET attempts, doubled each time. Default 300 ms. */
  readonly retryDelayMs?: number;
  /** Caps (bytes) by reply kind; an endpoint may set its own file cap (e.g. a large package). */
  readonly maxFileBytes?: number;
  readonly maxJsonBytes?: number;
}

const DEFAULT_MAX_FILE = 16 * 1024 * 1024;
const DEFAULT_MAX_JSON = 1024 * 1024;
const DEFAULT_CHUNK = 8 * 1024 * 1024;
const PING_TIMEOUT_MS = 4000;

interface Exchange {
  readonly res: Response;
  /** Resets the idle timer (call on every byte received or sent). */
  bump(): void;
  /** Ends the timer; call when the exchange is over. */
  done(): void;
  timedOut(): boolean;
}

interface RequestSpec {
  readonly method: 'GET' | 'POST' | 'HEAD' | 'PATCH';
  readonly path: string;
  readonly query?: Record<string, string>;
  readonly json?: unknown;
  readonly headers?: Record<string, string>;
  /** A streamed body (uploads). */
  readonly stream?: (bump: () => void) => AsyncIterable<Uint8Array>;
  readonly signal?: AbortSignal;
  /** Statuses the caller handles itself instead of them becoming a CentreError. */
  readonly passStatuses?: readonly number[];
  /** Overrides the idle timeout for this exchange. */
  readonly timeoutMs?: number;
}

/** The monitoring platform over HTTP, contract v1 (docs/centre-protocol.md). */
export class HttpCentreClient implements CentreClient {
  private readonly base: string;
  private readonly retries: number;
  private readonly retryDelayMs: number;
  private readonly maxFile: number;
  private readonly maxJson: number;

  constructor(private readonly options: HttpCentreClientOptions) {
    this.base = options.baseUrl.trim().replace(/\/+$/, '');
    this.retries = options.getRetries ?? 2;
    this.retryDelayMs = options.retryDelayMs ?? 300;
    this.maxFile = options.maxFileBytes ?? DEFAULT_MAX_FILE;
    this.maxJson = options.maxJsonBytes ?? DEFAULT_MAX_JSON;
  }

  get configured(): boolean {
    return this.base !== '';
  }

  ping(): Promise<PingReply> {
    // No retries, and a short timeout: the status bar must turn "down" within seconds.
    const timeoutMs = Math.min(this.options.timeoutMs, PING_TIMEOUT_MS);
    return this.exchangeJson({ method: 'GET', path: centrePaths.ping(), timeoutMs }, pingReplySchema);
  }

  async call<I, O>(endpoint: CentreEndpoint<I, O>, input: I, options: CentreCallOptions = {}): Promise<O> {
    const q = checkEndpointInput(endpoint, input);
    const spec: RequestSpec = {
      method: endpoint.method,
      path: CENTRE_API_PREFIX + endpoint.path(q),
      query: endpoint.query?.(q),
      json: endpoint.body?.(q),
      signal: options.signal,
    };
    const exchange = (): Promise<O> => this.exchange(spec, endpoint.reply);
    const reply = endpoint.retry ? await this.withRetries(exchange) : await exchange();
    endpoint.check?.(q, reply);
    return reply;
  }

  async sendReport(r: ReportRequest): Promise<ReportAck> {
    const parsed = reportRequestSchema.safeParse(r);
    if (!parsed.success) throw new CentreError('CENTRE_REQUEST_INVALID', `上报内容无效：${firstIssue(parsed.error)}`, 400);
    if (Buffer.byteLength(JSON.stringify(parsed.data)) > MAX_REPORT_BYTES) {
      throw new CentreError('CENTRE_REQUEST_INVALID', '上报内容超过 1 MB 上限', 400);
    }
    const ack = await this.exchangeJson({ method: 'POST', path: centrePaths.reports(), json: parsed.data }, reportAckSchema);
    if (ack.idempotencyKey !== r.idempotencyKey) throw incomplete('监控平台的回执与所发上报不对应');
    return ack;
  }

  async uploadState(uploadId: string): Promise<UploadState> {
    checkUploadId(uploadId);
    return this.withRetries(async () => {
      const ex = await this.send({ method: 'HEAD', path: centrePaths.upload(uploadId), passStatuses: [404] });
      ex.done();
      if (ex.res.status === 404) return { exists: false, offset: 0, length: null, complete: false };
      const offset = headerInt(ex.res, CENTRE_HEADERS.uploadOffset);
      if (offset === null) throw incomplete('缺少 Upload-Offset');
      const length = headerInt(ex.res, CENTRE_HEADERS.uploadLength);
      return { exists: true, offset, length, complete: ex.res.headers.get(CENTRE_HEADERS.uploadComplete) === '?1' };
    });
  }

  async uploadFile(o: UploadFileOptions): Promise<UploadResult> {
    checkUploadId(o.uploadId);
    const meta = uploadMetadataSchema.safeParse(o.metadata);
    if (!meta.success) throw new CentreError('CENTRE_REQUEST_INVALID', `上传信息无效：${firstIssue(meta.error)}`, 400);
    let size: number;
    try {
      const st = await fsp.stat(o.filePath);
      if (!st.isFile()) throw new Error('not a file');
      size = st.size;
    } catch {
      throw new CentreError('CENTRE_REQUEST_INVALID', `要上报的文件 ${o.filePath} 不存在或无法读取`, 400);
    }
    const sha256 = o.sha256 ?? (await sha256File(o.filePath));
    if (!sha256HexSchema.safeParse(sha256).success) throw new CentreError('CENTRE_REQUEST_INVALID', '文件校验值格式错误', 400);
    const chunk = Math.max(1, o.chunkBytes ?? DEFAULT_CHUNK);

    const state = await this.uploadState(o.uploadId);
    if (state.exists && state.length !== null && state.length !== size) {
      throw new CentreError(
        'CENTRE_REFUSED',
        `监控平台上同一上传编号 ${o.uploadId} 的文件大小为 ${state.length} 字节，与本地文件 ${size} 字节不同；请确认所选文件`,
        409,
      );
    }
    const resumedFrom = state.offset;
    let offset = state.offset;
    let conflicts = 0;
    const common = {
      [CENTRE_HEADERS.uploadLength]: String(size),
      [CENTRE_HEADERS.uploadSha256]: sha256,
      [CENTRE_HEADERS.uploadMetadata]: encodeUploadMetadata(meta.data),
      'content-type': UPLOAD_CONTENT_TYPE,
    };
    for (;;) {
      const start = offset;
      const end = Math.min(size, start + chunk);
      const ex = await this.send({
        method: 'PATCH',
        path: centrePaths.upload(o.uploadId),
        headers: { ...common, [CENTRE_HEADERS.uploadOffset]: String(start), 'content-length': String(end - start) },
        stream: (bump) => fileSlice(o.filePath, start, end, bump, (sent) => o.onProgress?.({ offset: start, sent: start + sent, size })),
        signal: o.signal,
        passStatuses: [409],
      });
      try {
        if (ex.res.status === 200) {
          const reply = uploadCompleteReplySchema.safeParse(await this.readJsonBody(ex));
          if (!reply.success) throw new CentreError('CENTRE_BAD_REPLY', CENTRE_MESSAGES.badShape);
          if (reply.data.sha256 !== sha256 || reply.data.size !== size) throw incomplete('上传完成回执的大小或校验值与本地文件不一致');
          o.onProgress?.({ offset: size, sent: size, size });
          return { ...reply.data, resumedFrom };
        }
        const next = headerInt(ex.res, CENTRE_HEADERS.uploadOffset);
        await ex.res.body?.cancel().catch(() => undefined);
        if (next === null || next > size) throw incomplete('上传进度 Upload-Offset 缺失或无效');
        if (ex.res.status === 409) {
          // Someone else's view of the offset was right: continue from the centre's.
          if (++conflicts > 3) throw new CentreError('CENTRE_REFUSED', '监控平台的上传进度与本地反复不一致，请稍后重试续报', 409);
        } else if (next <= start && end > start) {
          throw incomplete('监控平台未确认收到本次上传的数据');
        }
        offset = next;
        o.onProgress?.({ offset, sent: offset, size });
      } finally {
        ex.done();
      }
    }
  }

  // ---- plumbing ---------------------------------------------------------------------------

  /** One exchange read the way the endpoint's reply says. */
  private async exchange<O>(spec: RequestSpec, reply: CentreReply<O>): Promise<O> {
    if (reply.kind === 'file') return reply.parse(await this.exchangeFile(spec, reply.maxBytes ?? this.maxFile));
    if (reply.kind === 'json') {
      const ex = await this.send(spec);
      try {
        return reply.parse(await this.readJsonBody(ex));
      } finally {
        ex.done();
      }
    }
    const envelope = await this.exchangeJson(spec, signedEnvelopeSchema);
    return reply.parse(envelope, openSignedJson(envelope, this.options.trustedKeys));
  }

  private async exchangeJson<T>(spec: RequestSpec, schema: ZodType<T>): Promise<T> {
    const ex = await this.send(spec);
    try {
      const parsed = schema.safeParse(await this.readJsonBody(ex));
      if (!parsed.success) throw new CentreError('CENTRE_BAD_REPLY', CENTRE_MESSAGES.badShape);
      return parsed.data;
    } finally {
      ex.done();
    }
  }

  private async exchangeFile(spec: RequestSpec, cap: number): Promise<CentreFile> {
    const ex = await this.send(spec);
    try {
      const declared = this.expectedSha(ex.res);
      const bytes = await this.readBytes(ex, cap);
      const sha256 = sha256Hex(bytes);
      if (sha256 !== declared) throw incomplete('文件校验值与监控平台声明的不一致');
      const headers = ex.res.headers;
      // Informative headers only: short values, anything longer is not ours.
      return { bytes, sha256, header: (name) => { const v = headers.get(name); return v !== null && v.length <= 200 ? v : null; } };
    } finally {
      ex.done();
    }
  }

  private expectedSha(res: Response): string {
    const v = res.headers.get(CENTRE_HEADERS.contentSha256);
    if (!v || !sha256HexSchema.safeParse(v).success) throw incomplete('缺少 X-Content-SHA256');
    return v;
  }

  private async readJsonBody(ex: Exchange): Promise<unknown> {
    const bytes = await this.readBytes(ex, this.maxJson);
    try {
      return JSON.parse(bytes.toString('utf8'));
    } catch {
      throw incomplete();
    }
  }

  /** Reads the body with a cap; a cut connection or a short body is "incomplete". */
  private async readBytes(ex: Exchange, cap: number): Promise<Buffer> {
    const declared = headerInt(ex.res, 'content-length');
    if (declared !== null && declared > cap) {
      await ex.res.body?.cancel().catch(() => undefined);
      throw new CentreError('CENTRE_REPLY_TOO_LARGE', CENTRE_MESSAGES.tooLarge);
    }
    const chunks: Buffer[] = [];
    let total = 0;
    try {
      if (ex.res.body) {
        for await (const part of ex.res.body as unknown as AsyncIterable<Uint8Array>) {
          ex.bump();
          total += part.length;
          if (total > cap) {
            await ex.res.body.cancel().catch(() => undefined);
            throw new CentreError('CENTRE_REPLY_TOO_LARGE', CENTRE_MESSAGES.tooLarge);
          }
          chunks.push(Buffer.from(part.buffer, part.byteOffset, part.length));
        }
      }
    } catch (e) {
      throw this.mapError(e, ex, true);
    }
    if (declared !== null && total !== declared) throw incomplete();
    return Buffer.concat(chunks, total);
  }

  /** One HTTP exchange up to the response headers; non-2xx statuses become CentreErrors. */
  private async send(spec: RequestSpec): Promise<Exchange> {
    if (!this.configured) throw new CentreError('CENTRE_NOT_CONFIGURED', CENTRE_MESSAGES.notConfigured, 503);
    const url = new URL(this.base + spec.path);
    for (const [k, v] of Object.entries(spec.query ?? {})) url.searchParams.set(k, v);

    const idle = new AbortController();
    let timedOut = false;
    let timer: NodeJS.Timeout | null = null;
    const arm = (): void => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        timedOut = true;
        idle.abort();
      }, spec.timeoutMs ?? this.options.timeoutMs);
    };
    const done = (): void => {
      if (timer) clearTimeout(timer);
      timer = null;
    };
    arm();
    const signal = spec.signal ? AbortSignal.any([idle.signal, spec.signal]) : idle.signal;
    const headers: Record<string, string> = { accept: 'application/json, application/octet-stream', ...spec.headers };
    let body: RequestInit['body'];
    if (spec.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(spec.json);
    } else if (spec.stream) {
      body = spec.stream(arm) as unknown as RequestInit['body'];
    }
    const exchange = {
      bump: arm,
      done,
      timedOut: () => timedOut,
    };
    let res: Response;
    try {
      res = await fetch(url, {
        method: spec.method,
        headers,
        body,
        signal,
        redirect: 'error',
        ...(spec.stream ? { duplex: 'half' } : {}),
      } as RequestInit);
    } catch (e) {
      done();
      throw this.mapError(e, exchange, false);
    }
    arm();
    const ex: Exchange = { res, ...exchange };
    if (res.ok || spec.passStatuses?.includes(res.status)) return ex;
    try {
      throw await this.statusError(ex);
    } finally {
      done();
    }
  }

  private async statusError(ex: Exchange): Promise<CentreError> {
    const status = ex.res.status;
    let reason: string | null = null;
    let centreCode: string | undefined;
    try {
      const bytes = await this.readBytes(ex, 64 * 1024);
      const parsed = centreErrorBodySchema.safeParse(JSON.parse(bytes.toString('utf8')));
      if (parsed.success) {
        reason = parsed.data.error.message;
        centreCode = parsed.data.error.code;
      }
    } catch {
      // the status alone decides what happens; the reason is a courtesy
    }
    if (status >= 500 && status !== 501) {
      return new CentreError('CENTRE_SERVER_ERROR', `${CENTRE_MESSAGES.serverError}（HTTP ${status}）`, 502);
    }
    const said = reason ? `：${reason}` : `（HTTP ${status}）`;
    if (status === 404) return new CentreError('CENTRE_NOT_FOUND', `监控平台上没有所请求的数据${said}`, 404, { centreCode });
    return new CentreError('CENTRE_REFUSED', `监控平台拒绝了请求${said}`, 409, { centreCode });
  }

  private mapError(e: unknown, ex: Pick<Exchange, 'timedOut'>, duringBody: boolean): Error {
    if (e instanceof CentreError || e instanceof TrustError) return e;
    if (ex.timedOut()) return new CentreError('CENTRE_TIMEOUT', CENTRE_MESSAGES.timeout, 504, { cause: e });
    if ((e as { name?: string } | null)?.name === 'AbortError') return new CentreError('CENTRE_ABORTED', CENTRE_MESSAGES.aborted, 499, { cause: e });
    if (duringBody) return new CentreError('CENTRE_BAD_REPLY', CENTRE_MESSAGES.incomplete, 502, { cause: e });
    return new CentreError('CENTRE_UNREACHABLE', CENTRE_MESSAGES.unreachable, 503, { cause: e });
  }

  /** Idempotent GETs: a transient failure is tried again a couple of times. */
  private async withRetries<T>(work: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await work();
      } catch (e) {
        const again = e instanceof CentreError && e.transient && e.code !== 'CENTRE_NOT_CONFIGURED' && attempt < this.retries;
        if (!again) throw e;
        await new Promise((r) => setTimeout(r, this.retryDelayMs * 2 ** attempt));
      }
    }
  }
}

/** Streams [start, end) of a file, resetting the idle timer on each piece. */
async function* fileSlice(
  file: string,
  start: number,
  end: number,
  bump: () => void,
  sent: (n: number) => void,
): AsyncGenerator<Uint8Array> {
  if (end <= start) return;
  let n = 0;
  for await (const piece of createReadStream(file, { start, end: end - 1, highWaterMark: 256 * 1024 })) {
    const buf = piece as Buffer;
    bump();
    n += buf.length;
    yield buf;
    sent(n);
  }
}

function incomplete(detail?: string): CentreError {
  const msg = detail ? `${CENTRE_MESSAGES.incomplete}（${detail}）` : CENTRE_MESSAGES.incomplete;
  return new CentreError('CENTRE_BAD_REPLY', msg, 502);
}

function headerInt(res: Response, name: string): number | null {
  const v = res.headers.get(name);
  if (v === null || !/^\d{1,15}$/.test(v)) return null;
  return Number(v);
}

function checkUploadId(id: string): void {
  if (!uploadIdSchema.safeParse(id).success) throw new CentreError('CENTRE_REQUEST_INVALID', `上传编号 ${JSON.stringify(id).slice(0, 40)} 无效`, 400);
}

function firstIssue(error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): string {
  const i = error.issues[0];
  return i ? `${i.path.map(String).join('.') || '(整体)'}：${i.message}` : '格式错误';
}
