import type { CentreEndpoint } from './centre-endpoint';
import type {
  PingReply,
  ReportAck,
  ReportRequest,
  UploadCompleteReply,
  UploadMetadata,
} from './centre-contract';

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

export interface CentreCallOptions {
  readonly signal?: AbortSignal;
}

/**
 * The transport to the monitoring platform (R12.1): signed replies checked against the
 * pinned keys, retries of idempotent requests, size caps, resumable uploads and reports
 * (which the Outbox makes durable). What is asked for is a typed endpoint each plugin
 * declares in its own api/ (`call(endpoint, input)`); the transport names no stage. One
 * implementation speaks HTTP (HttpCentreClient); tests put FakeCentreClient in its place
 * through `coreServices.centre`. Every method rejects with CentreError (transport,
 * refusal, bad reply) or TrustError (a signed reply that does not check out).
 */
export interface CentreClient {
  /** Whether a centre URL is configured at all. */
  readonly configured: boolean;
  /** Reachability check. */
  ping(): Promise<PingReply>;
  /** One request to a declared endpoint: input validated, reply read and checked. */
  call<I, O>(endpoint: CentreEndpoint<I, O>, input: I, options?: CentreCallOptions): Promise<O>;
  /** One report; the centre deduplicates by idempotencyKey. Use the Outbox, not this, to report. */
  sendReport(r: ReportRequest): Promise<ReportAck>;
  /** How much of an upload the centre holds. */
  uploadState(uploadId: string): Promise<UploadState>;
  /** Resumable upload of one file (continues from what the centre holds). */
  uploadFile(o: UploadFileOptions): Promise<UploadResult>;
}
