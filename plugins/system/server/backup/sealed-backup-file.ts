import { createDecipheriv } from 'node:crypto';
import fsp from 'node:fs/promises';
import { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { TrustError } from '../../../../core/crypto/trust-error';
import {
  BAK_CHUNK_BYTES,
  BAK_CHUNK_OVERHEAD,
  BAK_IV_BYTES,
  BAK_MAGIC,
  BAK_MAX_HEADER_BYTES,
  BAK_TAG_BYTES,
  BAK_VERSION,
  bakHeaderSchema,
  chunkAad,
  prefixHashOf,
  type BakHeader,
} from './bak-format';

export const BAK_DAMAGED_MESSAGE = '备份文件已损坏、被截断或被篡改，无法使用；请选择备份时生成的原始 .bak 文件';

/** The clear part of a .bak: readable without the key (list, refusals). */
export async function readBakHeader(file: string): Promise<{ header: BakHeader; prefix: Buffer; size: number }> {
  const handle = await fsp.open(file, 'r');
  try {
    const size = (await handle.stat()).size;
    const fixed = BAK_MAGIC.length + 5;
    const head = Buffer.alloc(fixed);
    await handle.read(head, 0, fixed, 0);
    if (size < fixed || !head.subarray(0, BAK_MAGIC.length).equals(BAK_MAGIC)) {
      throw new TrustError('BACKUP_NOT_A_BACKUP', '所选文件不是考点管理系统的备份文件（.bak），请选择“系统备份”生成的文件');
    }
    const version = head[BAK_MAGIC.length]!;
    if (version !== BAK_VERSION) {
      throw new TrustError('BACKUP_NEWER_VERSION', `备份文件格式版本 ${version} 不受本系统支持（由较新版本的考点管理系统生成），请先升级考点管理系统后再恢复`);
    }
    const headerLength = head.readUInt32BE(BAK_MAGIC.length + 1);
    if (headerLength > BAK_MAX_HEADER_BYTES || size < fixed + headerLength) throw new TrustError('BACKUP_DAMAGED', BAK_DAMAGED_MESSAGE);
    const headerBytes = Buffer.alloc(headerLength);
    await handle.read(headerBytes, 0, headerLength, fixed);
    let header: BakHeader;
    try {
      header = bakHeaderSchema.parse(JSON.parse(headerBytes.toString('utf8')));
    } catch {
      throw new TrustError('BACKUP_DAMAGED', BAK_DAMAGED_MESSAGE);
    }
    return { header, prefix: Buffer.concat([head, headerBytes]), size };
  } finally {
    await handle.close();
  }
}

/**
 * A sealed .bak opened with its key: any byte range of the inner zip is read by opening
 * only the chunks it covers (one chunk cached), and every chunk ever opened is counted,
 * so a verification can prove it authenticated all of them.
 */
export class SealedBackupFile {
  private readonly opened = new Set<number>();
  private cached: { index: number; plain: Buffer } | null = null;
  private ahead: { index: number; bytes: Promise<Buffer> } | null = null;
  private readonly readBuffers: (Buffer | undefined)[] = [undefined, undefined];

  private constructor(
    private readonly handle: fsp.FileHandle,
    private readonly key: Buffer,
    private readonly prefixHash: Buffer,
    private readonly dataStart: number,
    readonly chunkCount: number,
    readonly plainSize: number,
    private readonly fileSize: number,
  ) {}

  static async open(file: string, key: Buffer, prefix: Buffer, size: number): Promise<SealedBackupFile> {
    const body = size - prefix.length;
    const stride = BAK_CHUNK_BYTES + BAK_CHUNK_OVERHEAD;
    const chunkCount = Math.max(1, Math.ceil(body / stride));
    const lastSealed = body - (chunkCount - 1) * stride;
    if (body < BAK_CHUNK_OVERHEAD || lastSealed < BAK_CHUNK_OVERHEAD) throw new TrustError('BACKUP_DAMAGED', BAK_DAMAGED_MESSAGE);
    const handle = await fsp.open(file, 'r');
    const plainSize = body - chunkCount * BAK_CHUNK_OVERHEAD;
    return new SealedBackupFile(handle, key, prefixHashOf(prefix), prefix.length, chunkCount, plainSize, size);
  }

  async close(): Promise<void> {
    await this.ahead?.bytes.catch(() => undefined);
    this.ahead = null;
    await this.handle.close();
  }

  /** True once every chunk was opened (and so authenticated) at least once. */
  allChunksAuthenticated(): boolean {
    return this.opened.size === this.chunkCount;
  }

  async chunk(index: number): Promise<Buffer> {
    if (this.cached?.index === index) return this.cached.plain;
    const sealed = await this.sealedChunk(index);
    // Read ahead: the next chunk's bytes come from the disk while this one is decrypted and hashed.
    if (index + 1 < this.chunkCount) this.ahead = { index: index + 1, bytes: this.readSealed(index + 1) };
    const length = sealed.length;
    const final = index === this.chunkCount - 1;
    let plain: Buffer;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, sealed.subarray(0, BAK_IV_BYTES), { authTagLength: BAK_TAG_BYTES });
      decipher.setAAD(chunkAad(this.prefixHash, index, final));
      decipher.setAuthTag(sealed.subarray(length - BAK_TAG_BYTES));
      plain = decipher.update(sealed.subarray(BAK_IV_BYTES, length - BAK_TAG_BYTES));
      const rest = decipher.final();
      if (rest.length > 0) plain = Buffer.concat([plain, rest]);
    } catch (cause) {
      throw new TrustError('BACKUP_DAMAGED', BAK_DAMAGED_MESSAGE, { cause });
    }
    this.opened.add(index);
    this.cached = { index, plain };
    return plain;
  }

  private sealedChunk(index: number): Promise<Buffer> {
    const ahead = this.ahead;
    this.ahead = null;
    if (ahead?.index === index) return ahead.bytes;
    // A read-ahead nobody wants (the zip reader jumped) finishes first: its buffer may be the one this read reuses.
    return (ahead ? ahead.bytes.then(noop, noop) : Promise.resolve()).then(() => this.readSealed(index));
  }

  private async readSealed(index: number): Promise<Buffer> {
    const stride = BAK_CHUNK_BYTES + BAK_CHUNK_OVERHEAD;
    const start = this.dataStart + index * stride;
    const length = Math.min(stride, this.fileSize - start);
    // Two read buffers, by the chunk's parity: the chunk being decrypted and the one read ahead.
    // Decryption makes a new plaintext buffer, so a sealed buffer is free again once decrypted.
    const slot = index % 2;
    const buffer = (this.readBuffers[slot] ??= Buffer.allocUnsafe(stride));
    const sealed = buffer.subarray(0, length);
    const { bytesRead } = await this.handle.read(sealed, 0, length, start);
    if (bytesRead !== length) throw new TrustError('BACKUP_DAMAGED', BAK_DAMAGED_MESSAGE);
    return sealed;
  }

  /** Plaintext bytes [start, end) of the inner zip, streamed chunk by chunk. */
  range(start: number, end: number): Readable {
    const self = this;
    async function* bytes(): AsyncGenerator<Buffer> {
      let pos = start;
      while (pos < end) {
        const index = Math.floor(pos / BAK_CHUNK_BYTES);
        const plain = await self.chunk(index);
        const from = pos - index * BAK_CHUNK_BYTES;
        const to = Math.min(plain.length, end - index * BAK_CHUNK_BYTES);
        if (to <= from) throw new TrustError('BACKUP_DAMAGED', BAK_DAMAGED_MESSAGE);
        yield plain.subarray(from, to);
        pos += to - from;
      }
    }
    return Readable.from(bytes(), { objectMode: false });
  }

  /** The inner zip, read in place through yauzl. */
  zip(): Promise<yauzl.ZipFile> {
    const reader = new SealedRangeReader(this);
    return new Promise((resolve, reject) => {
      // strictFileNames: yauzl would otherwise turn '\' into '/' silently; this product writes
      // only '/' names, so a backslash means the file was not written by it (issue 15 fuzzer).
      yauzl.fromRandomAccessReader(reader, this.plainSize, { lazyEntries: true, validateEntrySizes: true, autoClose: false, strictFileNames: true }, (err, zip) => {
        if (err || !zip) reject(new TrustError('BACKUP_DAMAGED', BAK_DAMAGED_MESSAGE, { cause: err }));
        else resolve(zip);
      });
    });
  }
}

function noop(): void {
  // A read-ahead's own outcome does not matter once nobody wants its chunk.
}

/** yauzl's random access over the sealed chunks. */
class SealedRangeReader extends yauzl.RandomAccessReader {
  constructor(private readonly file: SealedBackupFile) {
    super();
  }

  override _readStreamForRange(start: number, end: number): Readable {
    return this.file.range(start, end);
  }
}
