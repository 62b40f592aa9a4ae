import { Writable } from 'node:stream';
import { chunkFeed, type DurableSink } from '../../../../core/files/durable-sink';
import { AppError } from '../../../../core/http/errors';

/** Why a STOR did not end in an accepted file; the message is the FTP 550 reply. */
export class FtpUploadError extends Error {
  override name = 'FtpUploadError';
}

function ftpError(e: unknown): FtpUploadError {
  if (e instanceof FtpUploadError) return e;
  if (e instanceof AppError) return new FtpUploadError(e.message);
  const code = (e as NodeJS.ErrnoException | null)?.code ?? '未知原因';
  return new FtpUploadError(`考点机写入文件失败（${code}），请稍后重试`);
}

/**
 * The data connection's target for one STOR, feeding the core durable sink (hashed,
 * fsynced, resumable). ftp-srv treats the end of the data socket as a finished upload;
 * here the STOR finishes only once the sink holds every declared byte with the declared
 * SHA-256 and the intake accepted it. A failed write (disk full, more than declared) does
 * not cut the connection, where the client would see a reset instead of the reason: the
 * rest is drained and the 550 says what happened and where to resume.
 */
export class FtpUploadSink extends Writable {
  private readonly feed = chunkFeed();
  private readonly appending: Promise<void>;
  private failed: FtpUploadError | null = null;
  /** A write waiting for the sink to take more (released on drain or on failure). */
  private waiting: (() => void) | null = null;

  constructor(
    private readonly sink: DurableSink,
    start: number,
    private readonly complete: () => Promise<void>,
  ) {
    super({ highWaterMark: 1024 * 1024 });
    // The sink stops reading (and its iterator destroys the feed) when it fails.
    this.feed.on('error', () => undefined);
    this.feed.on('drain', () => this.release());
    this.appending = sink.append(this.feed, start).then(
      () => undefined,
      (e: unknown) => {
        this.failed = ftpError(e);
        this.release();
      },
    );
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.failed || this.feed.write(chunk)) return callback();
    this.waiting = () => callback();
  }

  private release(): void {
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.feed.end();
    this.finish().then(() => callback(), (e: unknown) => callback(ftpError(e)));
  }

  private async finish(): Promise<void> {
    await this.appending;
    if (this.failed) throw this.failed;
    const { offset, declared } = this.sink;
    if (!this.sink.complete) throw new FtpUploadError(`传输未完成：考点已收到 ${offset} / ${declared.size} 字节，请用 REST ${offset} 续传`);
    await this.complete();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // The data socket broke: what arrived is kept (the sink fsyncs it) for REST.
    this.feed.end();
    this.appending.then(() => callback(error));
  }
}
