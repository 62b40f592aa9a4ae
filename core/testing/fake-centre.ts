import { createTimeToken } from '../clock/time-token';
import type {
  CentreClient,
  DownloadedPackage,
  PackageRelease,
  SessionQuery,
  SiteQuery,
  UploadFileOptions,
  UploadResult,
  UploadState,
} from '../centre/centre-client';
import type { DongleRegistration, DongleRegistrationReply, PingReply, ReportAck, ReportRequest } from '../centre/centre-contract';
import { CentreError, CENTRE_MESSAGES } from '../centre/centre-error';
import { generateSigningKeyPair, type SignedEnvelope, type SigningKeyPair } from '../crypto/signing';
import { rootService, type CoreServiceFactory } from '../kernel/kernel';
import { coreServices } from '../services';

export type CentreCallName = Exclude<keyof CentreClient, 'configured'>;

export interface RecordedCentreCall {
  readonly method: CentreCallName;
  readonly args: unknown;
}

/** Answers a test sets for the calls that carry data (packages, authorizations, …). */
export interface FakeCentreAnswers {
  downloadPackage?(q: SiteQuery): Promise<DownloadedPackage>;
  latestRelease?(q: SiteQuery): Promise<PackageRelease>;
  downloadAuthorization?(q: SessionQuery): Promise<Buffer>;
  requestVerification?(q: SessionQuery): Promise<Buffer>;
  uploadState?(uploadId: string): Promise<UploadState>;
  uploadFile?(o: UploadFileOptions): Promise<UploadResult>;
}

/**
 * A CentreClient in memory, for plugin tests that need the centre but not its HTTP
 * contract (that is the centre simulator's job). It records every call, deduplicates
 * reports by idempotency key like the real centre, signs time tokens with its own key
 * (`keys` goes into the site's `centreKeys`), and can be taken down (`reachable = false`)
 * or made to refuse the next reports. Calls without a configured answer are refused with
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

  /** The value for the site's `centreKeys` setting. */
  get keys(): string[] {
    return [this.signingKey.publicKey];
  }

  /** For `startTestServer({ coreServiceOverrides: [fake.override] })` (or `fakes: { centre }`). */
  get override(): CoreServiceFactory {
    return rootService(coreServices.centre, {}, () => this);
  }

  callsOf(method: CentreCallName): unknown[] {
    return this.calls.filter((c) => c.method === method).map((c) => c.args);
  }

  async ping(): Promise<PingReply> {
    this.enter('ping', null);
    return { ok: true, version: 1, time: new Date(this.now()).toISOString() };
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

  async requestTimeToken(q: { dongleId: string; nonce: string }): Promise<SignedEnvelope> {
    this.enter('requestTimeToken', q);
    return createTimeToken({ time: this.now(), dongleId: q.dongleId, nonce: q.nonce }, this.signingKey.privateKeyPem);
  }

  async registerDongle(r: DongleRegistration): Promise<DongleRegistrationReply> {
    this.enter('registerDongle', r);
    const known = this.dongles.get(r.dongleId);
    if (known && (known.signingPublicKey !== r.signingPublicKey || known.wrappingPublicKey !== r.wrappingPublicKey)) {
      throw new CentreError('CENTRE_REFUSED', `监控平台拒绝了请求：机考锁 ${r.dongleId} 已用其他公钥注册`, 409);
    }
    this.dongles.set(r.dongleId, r);
    return { registered: true, dongleId: r.dongleId, registeredAt: new Date(this.now()).toISOString() };
  }

  downloadPackage(q: SiteQuery): Promise<DownloadedPackage> {
    return this.answer('downloadPackage', q, this.answers.downloadPackage);
  }

  latestRelease(q: SiteQuery): Promise<PackageRelease> {
    return this.answer('latestRelease', q, this.answers.latestRelease);
  }

  downloadAuthorization(q: SessionQuery): Promise<Buffer> {
    return this.answer('downloadAuthorization', q, this.answers.downloadAuthorization);
  }

  requestVerification(q: SessionQuery): Promise<Buffer> {
    return this.answer('requestVerification', q, this.answers.requestVerification);
  }

  uploadState(uploadId: string): Promise<UploadState> {
    return this.answer('uploadState', uploadId, this.answers.uploadState);
  }

  uploadFile(o: UploadFileOptions): Promise<UploadResult> {
    return this.answer('uploadFile', { uploadId: o.uploadId, filePath: o.filePath, metadata: o.metadata }, this.answers.uploadFile);
  }

  private enter(method: CentreCallName, args: unknown): void {
    this.calls.push({ method, args });
    if (!this.reachable) throw new CentreError('CENTRE_UNREACHABLE', CENTRE_MESSAGES.unreachable, 503);
  }

  private async answer<Q, R>(method: CentreCallName, q: Q, handler: ((q: Q) => Promise<R>) | undefined): Promise<R> {
    this.enter(method, q);
    if (!handler) throw new CentreError('CENTRE_NOT_FOUND', `监控平台上没有所请求的数据（测试用监控平台未设置 ${method} 的应答）`, 404);
    return handler(q);
  }
}
