import { createHash, type Hash } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import { Writable } from 'node:stream';
import { AppError } from '../../../../core/http/errors';
import type { DeclaredFile } from './result-acceptor';

/** Why a STOR did not end in an accepted file; the message is the FTP 550 reply. */
export class FtpUploadError extends Error {
  override name = 'FtpUploadError';
}

function isDiskFull(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

async function hashPrefix(file: string, bytes: number, hash: Hash): Promise<void> {
  if (bytes === 0) return;
  for await (const chunk of createReadStream(file, { start: 0, end: bytes - 1, highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
}

export interface FtpUploadSinkOptions {
  readonly file: string;
  /** Where this STOR starts (REST offset, or the current size for APPE). */
  readonly start: number;
  readonly declared: DeclaredFile;
  /** Called once every declared byte is on disk, fsynced and hashed right; its refusal becomes the 550. */
  complete(file: string): Promise<void>;
}

/**
 * The data connection's target for one STOR. ftp-srv treats the end of the data socket as a
 * finished upload; here the end only finishes the upload when the size and SHA-256 match
 * what the proctor declared. Anything short stays on disk (fsynced) for REST; a wrong hash
 * discards the file so the next attempt starts clean.
 */
export class FtpUploadSink extends Writable {
  private handle: fsp.FileHandle | null = null;
  private readonly hash = createHash('sha256');
  private position: number;
  /** The first write failure: the rest of the data is drained and the STOR answers with it. */
  private failed: FtpUploadError | null = null;

  constructor(private readonly options: FtpUploadSinkOptions) {
    super({ highWaterMark: 1024 * 1024 });
    this.position = options.start;
  }

  /** Bytes the file holds so far. */
  get received(): number {
    return this.position;
  }

  override _construct(callback: (error?: Error | null) => void): void {
    this.open().then(() => callback(), (e: unknown) => callback(this.failure(e)));
  }

  private async open(): Promise<void> {
    const { file, start, declared } = this.options;
    if (start > declared.size) throw new FtpUploadError(`续传位置 ${start} 超过声明的文件大小 ${declared.size} 字节`);
    const held = await fsp.stat(file).then((s) => s.size, () => 0);
    if (start > held) throw new FtpUploadError(`续传位置 ${start} 超过考点已收到的 ${held} 字节，请用 REST ${held} 续传`);
    this.handle = await fsp.open(file, start === 0 ? 'w' : 'r+');
    if (start < held) await this.handle.truncate(start);
    await hashPrefix(file, start, this.hash);
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    this.store(chunks.map((c) => c.chunk), callback);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.store([chunk], callback);
  }

  /**
   * A failed write (disk full, more than declared) does not cut the data connection: the
   * client would see a reset instead of the reason. The rest is drained and the STOR's
   * 550 says what happened and where to resume.
   */
  private store(buffers: Buffer[], callback: () => void): void {
    if (this.failed) return callback();
    this.writeAll(buffers).then(callback, (e: unknown) => {
      this.failed = this.failure(e);
      callback();
    });
  }

  private async writeAll(buffers: Buffer[]): Promise<void> {
    const length = buffers.reduce((n, b) => n + b.length, 0);
    const size = this.options.declared.size;
    if (this.position + length > size) throw new FtpUploadError(`收到的数据超过声明的文件大小 ${size} 字节，请重新声明后上传`);
    const handle = this.handle as fsp.FileHandle;
    let written = 0;
    while (written < length) {
      const { bytesWritten } = await handle.writev(written === 0 ? buffers : [Buffer.concat(buffers).subarray(written)], this.position);
      written += bytesWritten;
      this.position += bytesWritten;
    }
    for (const b of buffers) this.hash.update(b);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.finish().then(() => callback(), (e: unknown) => callback(this.failure(e)));
  }

  private async finish(): Promise<void> {
    const { file, declared } = this.options;
    const handle = this.handle as fsp.FileHandle;
    await handle.sync();
    await handle.close();
    this.handle = null;
    if (this.failed) throw this.failed;
    if (this.position < declared.size) {
      throw new FtpUploadError(`传输未完成：考点已收到 ${this.position} / ${declared.size} 字节，请用 REST ${this.position} 续传`);
    }
    if (this.hash.digest('hex') !== declared.sha256) {
      await fsp.rm(file, { force: true });
      throw new FtpUploadError('收到的文件 SHA-256 与声明的不一致，文件未被接收；请重新上传整个文件');
    }
    await this.options.complete(file);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const handle = this.handle;
    this.handle = null;
    // What arrived stays for REST; fsynced so a resume after a crash continues from real bytes.
    const closing = handle ? handle.sync().finally(() => handle.close()) : Promise.resolve();
    closing.then(() => callback(error), () => callback(error));
  }

  private failure(e: unknown): Error {
    if (e instanceof FtpUploadError) return e;
    if (isDiskFull(e)) {
      return new FtpUploadError(`考点机磁盘空间不足，上传中断；已保存的 ${this.position} 字节不会丢失，请考点管理员清理磁盘后用 REST ${this.position} 续传`);
    }
    if (e instanceof AppError) return new FtpUploadError(e.message);
    const code = (e as NodeJS.ErrnoException | null)?.code ?? '未知原因';
    return new FtpUploadError(`考点机写入文件失败（${code}），请稍后重试`);
  }
}
