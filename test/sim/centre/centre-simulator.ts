import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { createTimeToken } from '../../../core/clock/time-token';
import { sha256File, sha256Hex } from '../../../core/crypto/hash';
import { signJson, type SignedEnvelope } from '../../../core/crypto/signing';
import {
  CENTRE_API_VERSION,
  CENTRE_HEADERS,
  MAX_REPORT_BYTES,
  UPLOAD_CONTENT_TYPE,
  dongleIdSchema,
  dongleRegistrationSchema,
  examModeSchema,
  reportRequestSchema,
  sha256HexSchema,
  siteCodeSchema,
  timeTokenRequestSchema,
  uploadIdSchema,
  uploadMetadataSchema,
} from '../../../core/centre/centre-contract';
import { RELEASE_TIME_HEADER, type PackageReleasePayload } from '../../../plugins/load/api/centre-endpoints';
import { verificationRequestSchema } from '../../../plugins/authorization/api/centre-endpoints';
import { monitorReportPayloads } from '../../../plugins/monitor/api/centre-reports';
import { currentAuthorizationIssuer } from './authorization-issuers';
import { defaultPackageBuilder } from './default-builder';
import { ANY_SITE, CentreSimState } from './sim-state';
import type {
  AuthorizationIssueContext,
  AuthorizationIssuer,
  PackageBuilder,
  SimDongle,
  SimFault,
  SimPublishedRelease,
  SimIncidentRecord,
  SimReportRecord,
  SimUploadRecord,
  SitePackageSpec,
} from './sim-types';

export const simFaultSchema = z.object({
  mode: z.enum(['none', 'down', 'slow', 'error500', 'truncate', 'tamper']),
  delayMs: z.number().int().min(0).max(600_000).optional(),
  closeSockets: z.boolean().optional(),
  only: z.string().startsWith('/').max(200).optional(),
});

export interface CentreSimulatorOptions {
  readonly dataDir: string;
  /** 0 = a free port. */
  readonly port?: number;
  readonly host?: string;
  /** Builds packages for `publish` (default: default-builder.ts, the load stage's builder once wired). */
  readonly builder?: PackageBuilder;
  /** Default (undefined): the one registered in authorization-issuers.ts, if any; null: none (501). */
  readonly authorizationIssuer?: AuthorizationIssuer | null;
  readonly log?: (line: string) => void;
}

export interface RunningCentreSimulator {
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** The value for EXAMSITE_CENTRE_KEYS. */
  readonly keys: string;
  readonly state: CentreSimState;
  /** Builds (through the builder) and publishes a package; returns what was published. */
  publish(spec: SitePackageSpec): Promise<SimPublishedRelease>;
  setFault(fault: SimFault): void;
  fault(): SimFault;
  reports(kind?: string): SimReportRecord[];
  /** Every incident the site's room status reports carried, once each, oldest first. */
  incidents(): SimIncidentRecord[];
  uploads(): SimUploadRecord[];
  registerDongle(d: Omit<SimDongle, 'registeredAt'>): SimDongle;
  stop(): Promise<void>;
}

class SimHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

interface Exchange {
  readonly req: http.IncomingMessage;
  readonly res: http.ServerResponse;
  readonly url: URL;
  readonly fault: SimFault;
}

const MODE_LABEL = { formal: '正式考试', mock: '模拟考试' } as const;

/**
 * The simulated monitoring platform: contract v1 of docs/centre-protocol.md on plain
 * node:http, plus `/sim/*` routes for tests and demos (records, faults).
 */
export async function startCentreSimulator(options: CentreSimulatorOptions): Promise<RunningCentreSimulator> {
  const state = new CentreSimState(path.resolve(options.dataDir));
  const log = options.log ?? (() => undefined);
  let fault: SimFault = { mode: 'none' };
  const uploadLocks = new Map<string, Promise<void>>();

  const issuer = (): AuthorizationIssuer | null =>
    options.authorizationIssuer === undefined ? currentAuthorizationIssuer() : options.authorizationIssuer;

  async function publish(spec: SitePackageSpec): Promise<SimPublishedRelease> {
    const builder = options.builder ?? defaultPackageBuilder;
    if (!builder) throw new Error('模拟监控平台未配置考场数据包生成器（PackageBuilder），无法发布');
    const built = await builder(spec, state.signingKey);
    return state.savePublished(built);
  }

  // ---- replies ----------------------------------------------------------------------------

  function reply(ex: Exchange, status: number, body: Buffer, headers: Record<string, string>): void {
    const all = { ...headers, 'content-length': String(body.length) };
    if (ex.fault.mode === 'truncate' && ex.url.pathname.startsWith('/v1/')) {
      // The work is done; only the reply is cut (a lost ack, a half-received file).
      ex.res.writeHead(status, all);
      if (body.length === 0 || ex.req.method === 'HEAD') {
        ex.res.socket?.destroy();
        return;
      }
      ex.res.write(body.subarray(0, Math.floor(body.length / 2)), () => ex.res.socket?.destroy());
      return;
    }
    ex.res.writeHead(status, all);
    ex.res.end(ex.req.method === 'HEAD' ? undefined : body);
  }

  function json(ex: Exchange, status: number, value: unknown, headers: Record<string, string> = {}): void {
    reply(ex, status, Buffer.from(JSON.stringify(value), 'utf8'), { 'content-type': 'application/json; charset=utf-8', ...headers });
  }

  function signedJson(ex: Exchange, envelope: SignedEnvelope): void {
    json(ex, 200, tampered(ex) ? tamperEnvelope(envelope) : envelope);
  }

  function signedBytes(ex: Exchange, bytes: Buffer, contentType: string, headers: Record<string, string> = {}): void {
    const body = tampered(ex) ? flipByte(bytes) : bytes;
    reply(ex, 200, body, { 'content-type': contentType, [CENTRE_HEADERS.contentSha256]: sha256Hex(body), ...headers });
  }

  function tampered(ex: Exchange): boolean {
    return ex.fault.mode === 'tamper';
  }

  // ---- request helpers ------------------------------------------------------------------

  async function readJsonBody<T>(ex: Exchange, schema: z.ZodType<T>, maxBytes = 64 * 1024): Promise<T> {
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of ex.req) {
      total += (chunk as Buffer).length;
      if (total > maxBytes) throw new SimHttpError(413, 'BODY_TOO_LARGE', `请求内容超过 ${maxBytes} 字节上限`);
      chunks.push(chunk as Buffer);
    }
    let value: unknown;
    try {
      value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      throw new SimHttpError(400, 'BAD_JSON', '请求内容不是有效的 JSON');
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const i = parsed.error.issues[0];
      throw new SimHttpError(400, 'BAD_REQUEST', `请求内容无效：${i ? `${i.path.join('.') || '(整体)'} ${i.message}` : ''}`);
    }
    return parsed.data;
  }

  function site(raw: string): string {
    if (!siteCodeSchema.safeParse(raw).success) throw new SimHttpError(400, 'BAD_SITE', '考点代码应为 5 位数字');
    return raw;
  }

  function modeQuery(ex: Exchange): 'formal' | 'mock' {
    const m = examModeSchema.safeParse(ex.url.searchParams.get('mode'));
    if (!m.success) throw new SimHttpError(400, 'BAD_MODE', '参数 mode 应为 formal 或 mock');
    return m.data;
  }

  function published(siteCode: string, mode: 'formal' | 'mock'): SimPublishedRelease {
    const r = state.release(siteCode, mode);
    if (!r) throw new SimHttpError(404, 'NOT_PUBLISHED', `监控平台尚未发布考点 ${siteCode} 的${MODE_LABEL[mode]}考场数据`);
    return r;
  }

  function registeredDongle(id: string, siteCode: string): SimDongle {
    if (!dongleIdSchema.safeParse(id).success) throw new SimHttpError(400, 'BAD_DONGLE', '机考锁编号格式错误');
    const d = state.dongle(id);
    if (!d) throw new SimHttpError(403, 'DONGLE_NOT_REGISTERED', `机考锁 ${id} 未在监控平台注册，请先完成机考锁注册`);
    if (d.siteCode !== ANY_SITE && d.siteCode !== siteCode) throw new SimHttpError(403, 'DONGLE_FOREIGN', `机考锁 ${id} 注册在考点 ${d.siteCode}，不属于考点 ${siteCode}`);
    return d;
  }

  function issueContext(siteCode: string, mode: 'formal' | 'mock', no: number, dongle: SimDongle): AuthorizationIssueContext {
    const release = published(siteCode, mode);
    const session = release.sessions.find((s) => s.no === no);
    const contentKey = release.sessionKeys[no];
    if (!session || !contentKey) throw new SimHttpError(404, 'NO_SESSION', `考点 ${siteCode} 已发布的考场数据中没有第 ${no} 场次`);
    return {
      siteCode,
      mode,
      sessionNo: no,
      dongle: { id: dongle.id, wrappingPublicKey: dongle.wrappingPublicKey, signingPublicKey: dongle.signingPublicKey },
      session,
      contentKey,
      key: state.signingKey,
      releaseTime: release.releaseTime,
      manifestSha256: release.manifestSha256,
    };
  }

  function needIssuer(): AuthorizationIssuer {
    const i = issuer();
    if (!i) throw new SimHttpError(501, 'NO_ISSUER', '模拟监控平台尚未接入考试授权生成器，暂不能在线下发授权；请使用授权文件导入');
    return i;
  }

  // ---- /v1 routes -------------------------------------------------------------------------

  async function v1(ex: Exchange): Promise<void> {
    const p = ex.url.pathname;
    const method = ex.req.method ?? 'GET';
    let m: RegExpMatchArray | null;

    if (p === '/v1/ping' && method === 'GET') {
      json(ex, 200, { ok: true, version: CENTRE_API_VERSION, time: new Date().toISOString() });
      return;
    }
    if ((m = p.match(/^\/v1\/sites\/([^/]+)\/package$/)) && method === 'GET') {
      const siteCode = site(m[1] as string);
      const mode = modeQuery(ex);
      const release = published(siteCode, mode);
      const bytes = state.packageBytes(siteCode, mode);
      if (!bytes) throw new SimHttpError(404, 'NOT_PUBLISHED', `考点 ${siteCode} 的数据包文件缺失`);
      signedBytes(ex, bytes, 'application/zip', {
        [RELEASE_TIME_HEADER]: release.releaseTime,
        'content-disposition': `attachment; filename="${siteCode}-${mode}.zip"`,
      });
      return;
    }
    if ((m = p.match(/^\/v1\/sites\/([^/]+)\/package\/release$/)) && method === 'GET') {
      const siteCode = site(m[1] as string);
      const mode = modeQuery(ex);
      const release = published(siteCode, mode);
      // The site's nonce is signed into the answer (a replayed old answer names another one).
      const nonce = ex.url.searchParams.get('nonce') ?? '';
      if (!/^[A-Za-z0-9_-]{16,128}$/.test(nonce)) throw new SimHttpError(400, 'BAD_REQUEST', '校验请求缺少 nonce（16–128 个 base64url 字符）');
      const payload: PackageReleasePayload = {
        kind: 'package-release',
        v: 1,
        siteCode,
        mode,
        releaseTime: release.releaseTime,
        manifestSha256: release.manifestSha256,
        nonce,
      };
      signedJson(ex, signJson(payload, state.signingKey));
      return;
    }
    if ((m = p.match(/^\/v1\/sites\/([^/]+)\/sessions\/(\d{1,3})\/authorization$/)) && method === 'GET') {
      const siteCode = site(m[1] as string);
      const mode = modeQuery(ex);
      const dongle = registeredDongle(ex.url.searchParams.get('dongle') ?? '', siteCode);
      const ctx = issueContext(siteCode, mode, Number(m[2]), dongle);
      const bytes = await needIssuer().issue(ctx);
      signedBytes(ex, bytes, 'application/octet-stream', {
        'content-disposition': `attachment; filename="${siteCode}-${ctx.sessionNo}.PTQ"`,
      });
      return;
    }
    if ((m = p.match(/^\/v1\/sites\/([^/]+)\/sessions\/(\d{1,3})\/verification$/)) && method === 'POST') {
      const siteCode = site(m[1] as string);
      const body = await readJsonBody(ex, verificationRequestSchema);
      const dongle = registeredDongle(body.dongleId, siteCode);
      const ctx = issueContext(siteCode, body.mode, Number(m[2]), dongle);
      const bytes = await needIssuer().verify({ ...ctx, now: new Date().toISOString() });
      signedBytes(ex, bytes, 'application/octet-stream');
      return;
    }
    if (p === '/v1/time-token' && method === 'POST') {
      const body = await readJsonBody(ex, timeTokenRequestSchema);
      const d = state.dongle(body.dongleId);
      if (!d) throw new SimHttpError(403, 'DONGLE_NOT_REGISTERED', `机考锁 ${body.dongleId} 未在监控平台注册，请先完成机考锁注册`);
      signedJson(ex, createTimeToken({ time: new Date(), dongleId: body.dongleId, nonce: body.nonce }, state.signingKey.privateKeyPem));
      return;
    }
    if (p === '/v1/dongles' && method === 'POST') {
      const body = await readJsonBody(ex, dongleRegistrationSchema);
      const r = state.registerDongle({
        id: body.dongleId,
        signingPublicKey: body.signingPublicKey,
        wrappingPublicKey: body.wrappingPublicKey,
        siteCode: body.siteCode,
      });
      if ('conflict' in r) {
        throw new SimHttpError(409, 'DONGLE_CONFLICT', `机考锁 ${body.dongleId} 已以不同的公钥或考点（${r.conflict.siteCode}）注册；如更换了机考锁请联系监控平台`);
      }
      json(ex, r.created ? 201 : 200, { registered: true, dongleId: r.dongle.id, registeredAt: r.dongle.registeredAt });
      return;
    }
    if (p === '/v1/reports' && method === 'POST') {
      const body = await readJsonBody(ex, reportRequestSchema, MAX_REPORT_BYTES);
      // Known monitoring kinds are checked like the real platform would (docs/centre-protocol.md).
      const payloadSchema = monitorReportPayloads[body.kind];
      const checked = payloadSchema?.safeParse(body.payload);
      if (checked && !checked.success) throw new SimHttpError(400, 'REPORT_PAYLOAD_INVALID', `${body.kind} 上报内容不符合格式：${checked.error.issues[0]?.path.join('.')} ${checked.error.issues[0]?.message}`);
      const { record, duplicate } = state.recordReport({
        idempotencyKey: body.idempotencyKey,
        kind: body.kind,
        siteCode: body.siteCode,
        mode: body.mode,
        createdAt: body.createdAt,
        payload: body.payload,
      });
      log(`report ${body.kind} ${body.idempotencyKey}${duplicate ? ' (duplicate)' : ''}`);
      json(ex, 200, { ack: true, idempotencyKey: record.idempotencyKey, receivedAt: record.receivedAt, duplicate });
      return;
    }
    if ((m = p.match(/^\/v1\/uploads\/([^/]+)$/))) {
      const id = decodeURIComponent(m[1] as string);
      if (!uploadIdSchema.safeParse(id).success) throw new SimHttpError(400, 'BAD_UPLOAD_ID', '上传编号无效');
      if (method === 'HEAD') return uploadHead(ex, id);
      if (method === 'PATCH') return uploadPatch(ex, id);
    }
    throw new SimHttpError(404, 'NOT_FOUND', `接口 ${method} ${p} 不存在`);
  }

  // ---- uploads --------------------------------------------------------------------------

  /** One request per upload id at a time; a resume waits for the interrupted one to settle. */
  async function withUploadLock<T>(id: string, work: () => Promise<T>): Promise<T> {
    while (uploadLocks.has(id)) await uploadLocks.get(id);
    let release!: () => void;
    uploadLocks.set(id, new Promise<void>((r) => (release = r)));
    try {
      return await work();
    } finally {
      uploadLocks.delete(id);
      release();
    }
  }

  function partFile(id: string): string {
    return path.join(state.uploadsDir, `${id}.part`);
  }

  function fileSize(file: string): number {
    try {
      return fs.statSync(file).size;
    } catch {
      return 0;
    }
  }

  function uploadHeaders(rec: SimUploadRecord): Record<string, string> {
    return {
      [CENTRE_HEADERS.uploadOffset]: String(rec.offset),
      [CENTRE_HEADERS.uploadLength]: String(rec.length),
      [CENTRE_HEADERS.uploadComplete]: rec.complete ? '?1' : '?0',
      'cache-control': 'no-store',
    };
  }

  async function uploadHead(ex: Exchange, id: string): Promise<void> {
    await withUploadLock(id, async () => {
      const rec = state.upload(id);
      if (!rec) throw new SimHttpError(404, 'NO_UPLOAD', `没有上传 ${id}`);
      reply(ex, 200, Buffer.alloc(0), uploadHeaders(rec));
    });
  }

  function completeReply(rec: SimUploadRecord): object {
    return { complete: true, uploadId: rec.uploadId, size: rec.length, sha256: rec.sha256, receivedAt: rec.completedAt };
  }

  async function uploadPatch(ex: Exchange, id: string): Promise<void> {
    const h = ex.req.headers;
    const int = (name: string): number => {
      const v = h[name];
      if (typeof v !== 'string' || !/^\d{1,15}$/.test(v)) throw new SimHttpError(400, 'BAD_UPLOAD_HEADER', `缺少或无效的请求头 ${name}`);
      return Number(v);
    };
    if (!String(h['content-type'] ?? '').startsWith(UPLOAD_CONTENT_TYPE)) {
      throw new SimHttpError(415, 'BAD_CONTENT_TYPE', `上传的内容类型应为 ${UPLOAD_CONTENT_TYPE}`);
    }
    const offset = int(CENTRE_HEADERS.uploadOffset);
    const length = int(CENTRE_HEADERS.uploadLength);
    const sha = String(h[CENTRE_HEADERS.uploadSha256] ?? '');
    if (!sha256HexSchema.safeParse(sha).success) throw new SimHttpError(400, 'BAD_UPLOAD_HEADER', '请求头 Upload-SHA256 应为 64 位小写十六进制');
    let metadata: unknown;
    try {
      metadata = JSON.parse(Buffer.from(String(h[CENTRE_HEADERS.uploadMetadata] ?? ''), 'base64url').toString('utf8'));
    } catch {
      throw new SimHttpError(400, 'BAD_UPLOAD_HEADER', '请求头 Upload-Metadata 无效');
    }
    const meta = uploadMetadataSchema.safeParse(metadata);
    if (!meta.success) throw new SimHttpError(400, 'BAD_UPLOAD_HEADER', '请求头 Upload-Metadata 内容不符合约定');

    await withUploadLock(id, async () => {
      const now = new Date().toISOString();
      const part = partFile(id);
      let rec: SimUploadRecord = state.upload(id) ?? {
        uploadId: id,
        length,
        sha256: sha,
        metadata: meta.data,
        offset: 0,
        complete: false,
        startedAt: now,
        completedAt: null,
        file: null,
        patches: 0,
      };
      if (rec.length !== length || rec.sha256 !== sha) {
        throw new SimHttpError(409, 'UPLOAD_MISMATCH', `上传 ${id} 已以不同的大小或校验值开始，不能混用；请换一个上传编号`, uploadHeaders(rec));
      }
      rec = { ...rec, patches: rec.patches + 1 };
      if (rec.complete) {
        ex.req.resume();
        if (offset !== rec.length) throw new SimHttpError(409, 'UPLOAD_OFFSET', '上传已完成', uploadHeaders(rec));
        state.saveUpload(rec);
        json(ex, 200, completeReply(rec), uploadHeaders(rec));
        return;
      }
      const have = fileSize(part);
      if (offset !== have) {
        ex.req.resume();
        throw new SimHttpError(409, 'UPLOAD_OFFSET', `上传进度不一致：监控平台已收到 ${have} 字节，请求从 ${offset} 字节续传`, {
          ...uploadHeaders({ ...rec, offset: have }),
        });
      }
      const room = length - offset;
      let received = 0;
      let overflow = false;
      const counter = new Transform({
        transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
          received += chunk.length;
          if (received > room) {
            overflow = true;
            cb(new Error('overflow'));
            return;
          }
          cb(null, chunk);
        },
      });
      let interrupted = false;
      try {
        await pipeline(ex.req, counter, fs.createWriteStream(part, { flags: 'a' }));
      } catch {
        interrupted = true;
      }
      if (overflow) {
        // Keep only what fits the declared length; the client is wrong, not the stored bytes.
        fs.truncateSync(part, Math.min(fileSize(part), length));
      }
      const nowHave = fileSize(part);
      rec = { ...rec, offset: nowHave };
      state.saveUpload(rec);
      if (overflow) throw new SimHttpError(413, 'UPLOAD_TOO_LONG', `上传内容超过声明的 ${length} 字节`, uploadHeaders(rec));
      if (interrupted) {
        log(`upload ${id} interrupted at ${nowHave}/${length}`);
        return; // the client went away; nothing to answer
      }
      if (nowHave < length) {
        reply(ex, 204, Buffer.alloc(0), uploadHeaders(rec));
        return;
      }
      const actual = await sha256File(part);
      if (actual !== sha) {
        fs.rmSync(part, { force: true });
        rec = { ...rec, offset: 0 };
        state.saveUpload(rec);
        throw new SimHttpError(422, 'UPLOAD_HASH_MISMATCH', '上传文件的 SHA-256 与声明的不一致，已丢弃，请重新上报', uploadHeaders(rec));
      }
      const finalFile = path.join(state.uploadsDir, `${id}.bin`);
      fs.renameSync(part, finalFile);
      rec = { ...rec, complete: true, completedAt: new Date().toISOString(), file: finalFile };
      state.saveUpload(rec);
      log(`upload ${id} complete (${length} bytes)`);
      json(ex, 200, completeReply(rec), uploadHeaders(rec));
    });
  }

  // ---- /sim routes ------------------------------------------------------------------------

  async function simRoutes(ex: Exchange): Promise<void> {
    const p = ex.url.pathname;
    const method = ex.req.method ?? 'GET';
    if (p === '/sim/reports' && method === 'GET') return json(ex, 200, state.reports(ex.url.searchParams.get('kind') ?? undefined));
    if (p === '/sim/incidents' && method === 'GET') return json(ex, 200, state.incidents());
    if (p === '/sim/uploads' && method === 'GET') return json(ex, 200, state.uploads());
    if (p === '/sim/dongles' && method === 'GET') return json(ex, 200, Object.values(state.dongles()));
    if (p === '/sim/keys' && method === 'GET') return json(ex, 200, { keys: state.keysValue });
    if (p === '/sim/faults' && method === 'GET') return json(ex, 200, fault);
    if (p === '/sim/faults' && method === 'POST') {
      fault = await readJsonBody(ex, simFaultSchema);
      log(`fault ${JSON.stringify(fault)}`);
      return json(ex, 200, fault);
    }
    if (p === '/sim/publish' && method === 'POST') {
      const spec = await readJsonBody(ex, sitePackageSpecSchema, 1024 * 1024);
      try {
        return json(ex, 200, summary(await publish(spec)));
      } catch (e) {
        throw new SimHttpError(500, 'PUBLISH_FAILED', (e as Error).message);
      }
    }
    throw new SimHttpError(404, 'NOT_FOUND', `接口 ${method} ${p} 不存在`);
  }

  // ---- server ---------------------------------------------------------------------------

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://centre.sim');
    const applies = url.pathname.startsWith('/v1/') && (!fault.only || url.pathname.startsWith(fault.only));
    const ex: Exchange = { req, res, url, fault: applies ? fault : { mode: 'none' } };
    void (async () => {
      try {
        if (url.pathname.startsWith('/sim/')) return await simRoutes(ex);
        if (ex.fault.mode === 'down') {
          if (ex.fault.closeSockets) {
            req.socket.destroy();
            return;
          }
          throw new SimHttpError(503, 'CENTRE_DOWN', '监控平台维护中（模拟故障）');
        }
        if (ex.fault.mode === 'error500') throw new SimHttpError(500, 'INTERNAL', '监控平台内部错误（模拟故障）');
        if (ex.fault.mode === 'slow') await new Promise((r) => setTimeout(r, ex.fault.delayMs ?? 5000));
        await v1(ex);
      } catch (e) {
        if (res.headersSent || res.destroyed) return;
        const err = e instanceof SimHttpError ? e : new SimHttpError(500, 'INTERNAL', `模拟监控平台出错：${(e as Error).message}`);
        if (!req.complete) req.resume();
        // Error replies are never truncated or tampered: the fault already was the error.
        const body = Buffer.from(JSON.stringify({ error: { code: err.code, message: err.message } }), 'utf8');
        res.writeHead(err.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(body.length), ...err.headers });
        res.end(req.method === 'HEAD' ? undefined : body);
      }
    })();
  });
  server.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1'}:${port}`;
  log(`centre simulator on ${url}, data ${state.dataDir}`);

  return {
    url,
    port,
    dataDir: state.dataDir,
    keys: state.keysValue,
    state,
    publish,
    setFault(f) {
      fault = simFaultSchema.parse(f);
    },
    fault: () => fault,
    reports: (kind) => state.reports(kind),
    incidents: () => state.incidents(),
    uploads: () => state.uploads(),
    registerDongle(d) {
      const r = state.registerDongle(d);
      if ('conflict' in r) throw new Error(`机考锁 ${d.id} 已以不同的公钥注册`);
      return r.dongle;
    },
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

export const sitePackageSpecSchema = z.object({
  siteCode: siteCodeSchema,
  mode: examModeSchema,
  rooms: z.number().int().min(1).max(999),
  candidatesPerRoom: z.number().int().min(1).max(500),
  sessions: z
    .array(
      z.object({
        no: z.number().int().min(1).max(999),
        name: z.string().min(1).max(100),
        startsAt: z.string().min(10).max(40),
        durationMinutes: z.number().int().min(1).max(24 * 60),
      }),
    )
    .min(1),
  releaseTime: z.string().min(10).max(40),
  seed: z.number().int().optional(),
});

export function summary(r: SimPublishedRelease): object {
  return {
    siteCode: r.siteCode,
    mode: r.mode,
    releaseTime: r.releaseTime,
    manifestSha256: r.manifestSha256,
    sha256: r.sha256,
    size: r.size,
    rooms: r.roomCodes.length,
    sessions: r.sessions.map((s) => s.no),
  };
}

/** Flips one byte inside the signed payload: the signature no longer matches. */
function tamperEnvelope(env: SignedEnvelope): SignedEnvelope {
  const bytes = Buffer.from(env.payload, 'base64');
  return { ...env, payload: flipByte(bytes).toString('base64') };
}

function flipByte(bytes: Buffer): Buffer {
  if (bytes.length === 0) return bytes;
  const copy = Buffer.from(bytes);
  const at = Math.floor(copy.length / 2);
  copy[at] = (copy[at] as number) ^ 0x01;
  return copy;
}
