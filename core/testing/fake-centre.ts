import { createTimeToken, parseTimeToken } from '../clock/time-token';
import type { CentreCallOptions, CentreClient, UploadFileOptions, UploadResult, UploadState } from '../centre/centre-client';
import type { DongleRegistration, PingReply, ReportAck, ReportRequest } from '../centre/centre-contract';
import { checkEndpointInput, type CentreEndpoint, type CentreFile } from '../centre/centre-endpoint';
import { CentreError, CENTRE_MESSAGES } from '../centre/centre-error';
import { coreCentreEndpoints } from '../centre/core-endpoints';
import { sha256Hex } from '../crypto/hash';
import { generateSigningKeyPair, openSignedJson, type SigningKeyPair } from '../crypto/signing';
import { rootService, type CoreServiceFactory } from '../kernel/kernel';
import { coreServices } from '../services';

/** The transport's own calls; endpoint calls are recorded under the endpoint's id. */
export type CentreTransportCall = 'ping' | 'sendReport' | 'uploadState' | 'uploadFile';

export interface RecordedCentreCall {
  /** A transport call, or the id of the endpoint called (e.g. `demo.report`). */
  readonly method: string;
  readonly args: unknown;
}

type EndpointAnswer = (input: unknown) => Promise<unknown>;

/** Answers a test sets for the transport's upload calls. */
export interface FakeCentreAnswers {
  uploadState?(uploadId: string): Promise<UploadState>;
  uploadFile?(o: UploadFileOptions): Promise<UploadResult>;
}

/** A file reply as the transport would give it, for `answer(endpoint, …)` of file endpoints. */
export function centreFile(bytes: Buffer, headers: Record<string, string> = {}): CentreFile {
  return { bytes, sha256: sha256Hex(bytes), header: (name) => headers[name.toLowerCase()] ?? null };
}

/**
 * A CentreClient in memory, for plugin tests that need the centre but not its HTTP
 * contract (that is the centre simulator's job). It records every call, validates each
 * endpoint's input like the real transport, deduplicates reports by idempotency key like
 * the real centre, answers the core endpoints itself (it signs time tokens with its own
 * key — `keys` goes into the site's `centreKeys` — and registers dongles), and can be taken
 * down (`reachable = false`) or made to refuse the next reports. A plugin endpoint answers
 * only what a test set with `answer(endpoint, handler)`; anything else is refused with
 * CENTRE_NOT_FOUND, never faked as a success.
 */
export class FakeCentreClient implements CentreClient {
  readonly configured = true;
  /** false: every call fails as if the network were down (CENTRE_UNREACHABLE). */
  reachable = true;
  readonly calls: RecordedCentreCall[] = [];
  /** Reports the centre holds, by idempotency key (a re-send is not stored twice). */
  readonly reports = new Map<string, ReportRequest & { receivedAt: string }>();
  /** Errors the next sendReport calls fail with, in order (after recording the call). */
  readonly reportFailures: CentreError[] = [];
  readonly signingKey: SigningKeyPair = generateSigningKeyPair();
  readonly dongles = new Map<string, DongleRegistration>();
  answers: FakeCentreAnswers = {};
  /** The centre's clock (time tokens, acks). */
  now: () => number = () => Date.now();
  private readonly endpointAnswers = new Map<CentreEndpoint<unknown, unknown>, EndpointAnswer>();

  constructor() {
    this.answer(coreCentreEndpoints.timeToken, async (q) => {
      const envelope = createTimeToken({ time: this.now(), dongleId: q.dongleId, nonce: q.nonce }, this.signingKey.privateKeyPem);
      return { envelope, payload: parseTimeToken(openSignedJson(envelope, this.keys)) };
    });
    this.answer(coreCentreEndpoints.registerDongle, async (r) => {
      const known = this.dongles.get(r.dongleId);
      if (known && (known.signingPublicKey !== r.signingPublicKey || known.wrappingPublicKey !== r.wrappingPublicKey)) {
        throw new CentreError('CENTRE_REFUSED', `监控平台拒绝了请求：机考锁 ${r.dongleId} 已用其他公钥注册`, 409);
      }
      this.dongles.set(r.dongleId, r);
      return { registered: true as const, dongleId: r.dongleId, registeredAt: new Date(this.now()).toISOString() };
    });
  }

  /** The value for the site's `centreKeys` setting. */
  get keys(): string[] {
    return [this.signingKey.publicKey];
  }

  /** For `startTestServer({ coreServiceOverrides: [fake.override] })` (or `fakes: { centre }`). */
  get override(): CoreServiceFactory {
    return rootService(coreServices.centre, {}, () => this);
  }

  /** Sets (or replaces) what the fake centre answers for one endpoint. */
  answer<I, O>(endpoint: CentreEndpoint<I, O>, handler: (input: I) => Promise<O>): void {
    this.endpointAnswers.set(endpoint as CentreEndpoint<unknown, unknown>, handler as EndpointAnswer);
  }

  callsOf(call: CentreTransportCall | CentreEndpoint<unknown, unknown>): unknown[] {
    const method = typeof call === 'string' ? call : call.id;
    return this.calls.filter((c) => c.method === method).map((c) => c.args);
  }

  async ping(): Promise<PingReply> {
    this.enter('ping', null);
    return { ok: true, version: 1, time: new Date(this.now()).toISOString() };
  }

  async call<I, O>(endpoint: CentreEndpoint<I, O>, input: I, _options?: CentreCallOptions): Promise<O> {
    this.enter(endpoint.id, input);
    const q = checkEndpointInput(endpoint, input);
    const handler = this.endpointAnswers.get(endpoint as CentreEndpoint<unknown, unknown>);
    if (!handler) throw new CentreError('CENTRE_NOT_FOUND', `监控平台上没有所请求的数据（测试用监控平台未设置 ${endpoint.id} 的应答）`, 404);
    const reply = (await handler(q)) as O;
    // The endpoint's own cross-checks run here too, as in the real transport.
    endpoint.check?.(q, reply);
    return reply;
  }

  async sendReport(r: ReportRequest): Promise<ReportAck> {
    this.enter('sendReport', r);
    const failure = this.reportFailures.shift();
    if (failure) throw failure;
    const known = this.reports.get(r.idempotencyKey);
    const receivedAt = known?.receivedAt ?? new Date(this.now()).toISOString();
    if (!known) this.reports.set(r.idempotencyKey, { ...r, receivedAt });
    return { ack: true, idempotencyKey: r.idempotencyKey, receivedAt, duplicate: known !== undefined };
  }

  uploadState(uploadId: string): Promise<UploadState> {
    return this.transportAnswer('uploadState', uploadId, this.answers.uploadState);
  }

  uploadFile(o: UploadFileOptions): Promise<UploadResult> {
    return this.transportAnswer('uploadFile', { uploadId: o.uploadId, filePath: o.filePath, metadata: o.metadata }, this.answers.uploadFile && (() => this.answers.uploadFile!(o)));
  }

  private enter(method: string, args: unknown): void {
    this.calls.push({ method, args });
    if (!this.reachable) throw new CentreError('CENTRE_UNREACHABLE', CENTRE_MESSAGES.unreachable, 503);
  }

  private async transportAnswer<Q, R>(method: CentreTransportCall, q: Q, handler: ((q: Q) => Promise<R>) | undefined): Promise<R> {
    this.enter(method, q);
    if (!handler) throw new CentreError('CENTRE_NOT_FOUND', `监控平台上没有所请求的数据（测试用监控平台未设置 ${method} 的应答）`, 404);
    return handler(q);
  }
}
