import type { SignedEnvelope } from '../crypto/signing';
import type {
  DongleRegistration,
  DongleRegistrationReply,
  ExamMode,
  PingReply,
  ReportAck,
  ReportRequest,
  UploadCompleteReply,
  UploadMetadata,
} from './centre-contract';

export interface SiteQuery {
  readonly siteCode: string;
  readonly mode: ExamMode;
}

export interface SessionQuery extends SiteQuery {
  readonly sessionNo: number;
  readonly dongleId: string;
}

export interface DownloadedPackage {
  readonly bytes: Buffer;
  /** SHA-256 of `bytes`, checked against the centre's X-Content-SHA256 header. */
  readonly sha256: string;
  /** The release time the centre announced in X-Release-Time (informative; the package is authoritative). */
  readonly releaseTime: string | null;
}

/** The centre's latest release (校验): verified against the pinned centre keys. */
export interface PackageRelease {
  readonly siteCode: string;
  readonly mode: ExamMode;
  readonly releaseTime: string;
  readonly manifestSha256: string;
}

export interface UploadProgress {
  /** Bytes the centre has confirmed holding. */
  readonly offset: number;
  /** Bytes streamed so far (from the start of the file), confirmed or not. */
  readonly sent: number;
  readonly size: number;
}

export interface UploadFileOptions {
  /** Chosen by the site, stable for one file, so a later run resumes instead of restarting. */
  readonly uploadId: string;
  readonly filePath: string;
  readonly metadata: UploadMetadata;
  /** Bytes per PATCH request (default 8 MiB). The file is streamed, never loaded whole. */
  readonly chunkBytes?: number;
  /** SHA-256 of the file when the caller knows it already (skips one read of the file). */
  readonly sha256?: string;
  readonly signal?: AbortSignal;
  onProgress?(p: UploadProgress): void;
}

export interface UploadResult extends UploadCompleteReply {
  /** Where this call started: 0 for a fresh upload, >0 when it resumed (续报). */
  readonly resumedFrom: number;
}

export interface UploadState {
  /** false when the centre never saw this upload id. */
  readonly exists: boolean;
  readonly offset: number;
  readonly length: number | null;
  readonly complete: boolean;
}

/**
 * Everything the site sends to or gets from the monitoring platform (R12.1). One
 * implementation speaks HTTP (HttpCentreClient); tests may put a fake in its place through
 * `coreServices.centre`. Every method rejects with CentreError (transport, refusal, bad
 * reply) or TrustError (a signed reply that does not check out); none crashes on bad input.
 */
export interface CentreClient {
  /** Whether a centre URL is configured at all. */
  readonly configured: boolean;
  /** Reachability check. */
  ping(): Promise<PingReply>;
  /** The whole site's exam data package (.zip). */
  downloadPackage(q: SiteQuery): Promise<DownloadedPackage>;
  /** The centre's latest release for the 校验 step; signature checked against the pinned keys. */
  latestRelease(q: SiteQuery): Promise<PackageRelease>;
  /** A session's authorization (the bytes of a .PTQ file). */
  downloadAuthorization(q: SessionQuery): Promise<Buffer>;
  /** A session's authorization verification (the bytes of a verification file). */
  requestVerification(q: SessionQuery): Promise<Buffer>;
  /**
   * A signed time token for online calibration. The envelope's signature, kind, dongle and
   * nonce are checked here; the clock checks them again when it calibrates.
   */
  requestTimeToken(q: { dongleId: string; nonce: string }): Promise<SignedEnvelope>;
  /** 机考锁注册 */
  registerDongle(r: DongleRegistration): Promise<DongleRegistrationReply>;
  /** One report; the centre deduplicates by idempotencyKey. Use the Outbox, not this, to report. */
  sendReport(r: ReportRequest): Promise<ReportAck>;
  /** How much of an upload the centre holds. */
  uploadState(uploadId: string): Promise<UploadState>;
  /** Resumable upload of one file (continues from what the centre holds). */
  uploadFile(o: UploadFileOptions): Promise<UploadResult>;
}
