import { createHash, type Hash } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import path from 'node:path';
import { PassThrough, pipeline, type Readable } from 'node:stream';
import type { EntityManager } from 'typeorm';
import { AppError, conflict, tooLarge } from '../http/errors';
import { formatBytes } from '../http/body';
import type { Store } from '../store/store';
import { diskFullError, isDiskFull } from './file-errors';
import { syncDirectory } from './write-durably';

/** What the sender promised before the first byte: the whole file's size and SHA-256. */
export interface DeclaredFile {
  readonly size: number;
  readonly sha256: string;
}

export interface SinkPaths {
  /** The partial file (`.part`): bytes received so far. */
  readonly part: string;
  /** The declaration (`.json`) written when the sink began. */
  readonly meta: string;
}

/**
 * What to hand `DurableSink.append` a byte stream through: its chunks one by one, as they
 * came (a byte stream's own iterator concatenates — copies — everything buffered on each
 * read). At most 16 chunks (≈ 1 MiB of socket reads) wait in it. Write into it, or pass
 * `source` to have it piped in (its errors end the append like the source's own).
 */
export function chunkFeed(source?: Readable): PassThrough {
  const feed = new PassThrough({ objectMode: true, highWaterMark: 16 });
  if (source) pipeline(source, feed, () => undefined);
  return feed;
}

/** Chunks are gathered up to this size before one positioned writev (fewer syscalls). */
const WRITE_BATCH_BYTES = 1024 * 1024;

/**
 * One resumable, hashed upload into a plugin's folder. Any protocol continues it from
 * `offset` (HTTP/tus, FTP REST); bytes are hashed as they are written (after a restart
 * the stored prefix is hashed again on the first append), fsynced at the end of every
 * append, and the file becomes `complete` only when it has the declared size and SHA-256.
 * `commit` then renames it into place inside a unit of work.
 */
export class DurableSink {
  private length: number;
  private hash: Hash | null = null;
  private hashedBytes = 0;
  private verified = false;
  private busy = false;
  private gone = false;

  constructor(
    readonly id: string,
    readonly declared: DeclaredFile,
    private readonly paths: SinkPaths,
    private readonly store: Store,
    private readonly root: string,
    initialLength: number,
    private readonly onFinished: (id: string) => void,
  ) {
    this.length = initialLength;
  }

  /** Bytes stored so far: where the next append must start. */
  get offset(): number {
    return this.length;
  }

  /** Committed or abandoned: this object may no longer be used. */
  get finished(): boolean {
    return this.gone;
  }

  /** All bytes present and the SHA-256 checked. */
  get complete(): boolean {
    return this.verified;
  }

  /** Where the bytes are until commit (read it to validate the content). */
  get tempPath(): string {
    return this.paths.part;
  }

  /**
   * Appends `source` at `fromOffset` (must equal `offset`: 409 otherwise). Stops at the
   * declared size (413 for more), keeps every byte written before a failure (disk full:
   * 507, resumable), and checks the SHA-256 once the last byte arrived (422 and the partial
   * is discarded when it differs). Returns the new offset.
   */
  async append(source: AsyncIterable<Buffer | Uint8Array | string> | Iterable<Buffer>, fromOffset: number): Promise<number> {
    this.assertUsable();
    if (this.busy) throw conflict('UPLOAD_BUSY', '该文件正在另一连接中上传，请等待其结束或稍后从中断处续传');
    if (fromOffset !== this.length) {
      throw conflict('UPLOAD_OFFSET_MISMATCH', `续传位置 ${fromOffset} 与考点已保存的 ${this.length} 字节不一致，请按已保存的位置续传`);
    }
    this.busy = true;
    try {
      if (!this.verified) await this.appendBytes(source);
      if (this.length === this.declared.size && !this.verified) await this.verify();
      return this.length;
    } finally {
      this.busy = false;
    }
  }

  /**
   * Renames the complete file to `relativeTarget` (inside the plugin folder) and runs
   * `work` in the same unit of work; if `work` throws, the file goes back to where it was.
   */
  async commit<T>(relativeTarget: string, work: (em: EntityManager, finalPath: string) => Promise<T>): Promise<T> {
    this.assertUsable();
    if (!this.verified) throw conflict('UPLOAD_INCOMPLETE', `文件尚未接收完整（已收到 ${formatBytes(this.length)}，共 ${formatBytes(this.declared.size)}），不能确认`);
    const result = await moveIntoPlace(this.store, this.paths.part, containedPath(this.root, relativeTarget), work);
    this.gone = true;
    await fsp.rm(this.paths.meta, { force: true });
    await syncDirectory(path.dirname(this.paths.meta));
    this.onFinished(this.id);
    return result;
  }

  /** Drops the partial file (an upload that will never be finished, or a refused one). */
  async abandon(): Promise<void> {
    if (this.gone) return;
    this.gone = true;
    await fsp.rm(this.paths.part, { force: true });
    await fsp.rm(this.paths.meta, { force: true });
    this.onFinished(this.id);
  }

  private assertUsable(): void {
    if (this.gone) throw conflict('UPLOAD_FINISHED', '该上传已结束（已确认或已放弃），请重新开始上传');
  }

  private async appendBytes(source: AsyncIterable<Buffer | Uint8Array | string> | Iterable<Buffer>): Promise<void> {
    await this.ensureHash();
    const handle = await fsp.open(this.paths.part, 'r+');
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = async (): Promise<void> => {
      if (pendingBytes === 0) return;
      const batch = pending;
      const batchBytes = pendingBytes;
      pending = [];
      pendingBytes = 0;
      try {
        // One gathered write of the chunks as they came (no copy into a batch buffer).
        let written = (await handle.writev(batch, this.length)).bytesWritten;
        if (written < batchBytes) {
          // A nearly full disk takes part of a write without an error: write the rest, so the
          // next write says ENOSPC (else the file is silently short, "truncated", issue 15).
          const rest = Buffer.concat(batch, batchBytes);
          while (written < batchBytes) written += (await handle.write(rest, written, batchBytes - written, this.length + written)).bytesWritten;
        }
      } catch (e) {
        // Keep the file exactly as long as the bytes we hashed, so the next append resumes.
        await handle.truncate(this.length).catch(() => {
          this.hash = null;
        });
        if (isDiskFull(e)) throw diskFullError('上传的文件', this.length);
        throw e;
      }
      for (const chunk of batch) this.hash!.update(chunk);
      this.length += batchBytes;
      this.hashedBytes = this.length;
    };
    try {
      for await (const chunk of source) {
        const buf = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
        if (this.length + pendingBytes + buf.length > this.declared.size) {
          await flush();
          throw tooLarge('UPLOAD_TOO_LONG', `收到的内容超过声明的文件大小 ${formatBytes(this.declared.size)}，多出的部分未保存；请核对文件后重新上传`);
        }
        pending.push(buf);
        pendingBytes += buf.length;
        if (pendingBytes >= WRITE_BATCH_BYTES) await flush();
      }
      await flush();
    } finally {
      // What was written stays: fsync so the offset we report survives a power cut.
      await handle.sync().catch(() => undefined);
      await handle.close();
      const actual = (await fsp.stat(this.paths.part)).size;
      if (actual !== this.length) {
        this.length = actual;
        this.hash = null;
      }
    }
  }

  /** A new process (or a failed truncate) hashes the stored prefix again before appending. */
  private async ensureHash(): Promise<void> {
    if (this.hash && this.hashedBytes === this.length) return;
    const hash = createHash('sha256');
    if (this.length > 0) {
      for await (const chunk of createReadStream(this.paths.part, { start: 0, end: this.length - 1 })) hash.update(chunk as Buffer);
    }
    this.hash = hash;
    this.hashedBytes = this.length;
  }

  private async verify(): Promise<void> {
    await this.ensureHash();
    const digest = this.hash!.copy().digest('hex');
    if (digest !== this.declared.sha256) {
      await this.abandon();
      throw new AppError(
        422,
        'UPLOAD_HASH_MISMATCH',
        `文件已收完 ${formatBytes(this.declared.size)}，但 SHA-256 与声明的不一致（文件在传输中损坏或声明有误），已丢弃；请重新上传`,
      );
    }
    this.verified = true;
  }
}

/**
 * Renames `from` to `finalPath` (fsyncing the folder) inside one `store.write` that also
 * runs `work`; when `work` throws, the file is renamed back and the transaction rolls back.
 */
export async function moveIntoPlace<T>(store: Store, from: string, finalPath: string, work: (em: EntityManager, finalPath: string) => Promise<T>): Promise<T> {
  return store.write(async (em) => {
    await fsp.mkdir(path.dirname(finalPath), { recursive: true });
    await fsp.rename(from, finalPath);
    await syncDirectory(path.dirname(finalPath));
    try {
      return await work(em, finalPath);
    } catch (e) {
      await fsp.rename(finalPath, from);
      throw e;
    }
  });
}

/** `relative` inside `root`, refusing anything that could leave it. */
export function containedPath(root: string, relative: string): string {
  // eslint-disable-next-line no-control-regex
  if (relative === '' || relative.includes('\\') || relative.includes('\u0000') || path.isAbsolute(relative) || /^[A-Za-z]:/.test(relative)) {
    throw new Error(`unsafe relative path: ${JSON.stringify(relative)}`);
  }
  const segments = relative.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) throw new Error(`unsafe relative path: ${JSON.stringify(relative)}`);
  const resolved = path.resolve(root, relative);
  if (!resolved.startsWith(path.resolve(root) + path.sep)) throw new Error(`path escapes its folder: ${relative}`);
  return resolved;
}
