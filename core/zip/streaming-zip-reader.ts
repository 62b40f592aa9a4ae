import fs from 'node:fs';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { crc32 } from 'node:zlib';
import yauzl from 'yauzl';
import { shownEntryName, unsafeEntryNameReason } from './entry-name';

export interface StreamingZipLimits {
  readonly maxEntries: number;
  /** Declared uncompressed size of one entry. */
  readonly maxEntryBytes: number;
  /** Size of the zip file itself. */
  readonly maxFileBytes?: number;
  /** Sum of the declared uncompressed sizes. */
  readonly maxTotalBytes?: number;
  /** Uncompressed / compressed, checked for entries larger than `ratioCheckFromBytes` (zip bombs). */
  readonly maxCompressionRatio?: number;
  readonly ratioCheckFromBytes?: number;
}

export type ZipRefusalCode =
  | 'ZIP_NOT_ZIP'
  | 'ZIP_INVALID'
  | 'ZIP_TRUNCATED'
  | 'ZIP_TOO_LARGE'
  | 'ZIP_ENTRY_UNSAFE'
  | 'ZIP_ENTRY_DUPLICATE'
  | 'ZIP_ENTRY_ENCRYPTED'
  | 'ZIP_ENTRY_METHOD'
  | 'ZIP_TOO_MANY_ENTRIES'
  | 'ZIP_ENTRY_TOO_LARGE'
  | 'ZIP_TOTAL_TOO_LARGE'
  | 'ZIP_BOMB'
  | 'ZIP_ENTRY_CORRUPT';

export interface StreamingZipEntry {
  readonly name: string;
  readonly size: number;
  readonly compressedSize: number;
  readonly isDirectory: boolean;
}

/**
 * Why an archive was refused. `message` is Chinese and names the entry; `entryName`, `why`
 * (for ZIP_ENTRY_UNSAFE), `ratio` and `count` let a stage word its own message.
 */
export class ZipRefusal extends Error {
  override name = 'ZipRefusal';
  constructor(
    readonly code: ZipRefusalCode,
    message: string,
    readonly detail: { readonly entryName?: string; readonly why?: string; readonly ratio?: number; readonly count?: number; readonly bytes?: number; readonly method?: number } = {},
  ) {
    super(message);
  }
}

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
/** Read size of stored entries: few reads, little memory per open entry. */
const STORED_READ_BYTES = 256 * 1024;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A zip file read from disk, never whole in memory (yauzl on a file descriptor). `open`
 * reads the whole central directory first and refuses unsafe names, links, duplicates,
 * encryption, too many or too large entries before any content is read; each entry is
 * then streamed with its size checked against the directory (yauzl validateEntrySizes).
 */
export class StreamingZipReader {
  private constructor(
    private readonly file: string,
    private readonly zip: yauzl.ZipFile,
    private readonly byName: Map<string, { entry: yauzl.Entry; info: StreamingZipEntry }>,
  ) {}

  get entries(): StreamingZipEntry[] {
    return [...this.byName.values()].map((e) => e.info);
  }

  static async open(file: string, limits: StreamingZipLimits): Promise<StreamingZipReader> {
    const size = fs.statSync(file).size;
    if (limits.maxFileBytes !== undefined && size > limits.maxFileBytes) {
      throw new ZipRefusal('ZIP_TOO_LARGE', `压缩包大小超过上限`, { bytes: size });
    }
    const zip = await new Promise<yauzl.ZipFile>((resolve, reject) => {
      yauzl.open(file, { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true, strictFileNames: false }, (err, z) => {
        if (!err && z) return resolve(z);
        // A file that starts like a zip but has no readable end is a cut copy, not another format.
        reject(startsLikeZip(file) ? new ZipRefusal('ZIP_TRUNCATED', '压缩包不完整（已截断或损坏）') : new ZipRefusal('ZIP_NOT_ZIP', '文件不是 zip 压缩包'));
      });
    });
    try {
      if (zip.entryCount > limits.maxEntries) {
        throw new ZipRefusal('ZIP_TOO_MANY_ENTRIES', `压缩包包含 ${zip.entryCount} 个文件，超过上限 ${limits.maxEntries} 个`, { count: zip.entryCount });
      }
      const byName = new Map<string, { entry: yauzl.Entry; info: StreamingZipEntry }>();
      const seen = new Set<string>();
      let totalBytes = 0;
      await new Promise<void>((resolve, reject) => {
        zip.on('error', () => reject(new ZipRefusal('ZIP_TRUNCATED', '压缩包目录已损坏或已截断')));
        zip.on('end', () => resolve());
        zip.on('entry', (entry: yauzl.Entry) => {
          try {
            const info = checkEntry(entry, limits);
            const key = info.name.toLowerCase();
            if (seen.has(key)) throw new ZipRefusal('ZIP_ENTRY_DUPLICATE', `压缩包中文件名“${shownEntryName(info.name)}”重复出现`, { entryName: info.name });
            seen.add(key);
            totalBytes += info.size;
            if (limits.maxTotalBytes !== undefined && totalBytes > limits.maxTotalBytes) {
              throw new ZipRefusal('ZIP_TOTAL_TOO_LARGE', '压缩包解压后总大小超过上限', { bytes: totalBytes });
            }
            byName.set(info.name, { entry, info });
            zip.readEntry();
          } catch (e) {
            reject(e);
          }
        });
        zip.readEntry();
      });
      return new StreamingZipReader(file, zip, byName);
    } catch (e) {
      zip.close();
      throw e;
    }
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /**
   * The entry's uncompressed bytes as a stream. The local header must name the entry exactly
   * as the central directory does (a differing local name is a known way to smuggle a path
   * past checks); the stream fails when the bytes disagree with the directory's size or
   * CRC-32, or inflate beyond the declared size (a zip bomb that lies about its size).
   */
  async openStream(name: string): Promise<Readable> {
    const found = this.byName.get(name);
    if (!found) throw new ZipRefusal('ZIP_INVALID', `压缩包中没有文件“${shownEntryName(name)}”`, { entryName: name });
    const { entry, info } = found;
    const corrupt = (): ZipRefusal => new ZipRefusal('ZIP_ENTRY_CORRUPT', `压缩包中的文件“${shownEntryName(name)}”已损坏（长度或校验不符）`, { entryName: name });
    let local: yauzl.LocalFileHeader;
    try {
      local = await this.zip.readLocalFileHeaderPromise(entry);
    } catch {
      throw corrupt();
    }
    if (!Buffer.from(local.fileName).equals(entry.fileName as unknown as Buffer)) {
      throw new ZipRefusal('ZIP_ENTRY_UNSAFE', `压缩包中的文件“${shownEntryName(name)}”的本地文件头与目录记录不一致，不安全`, { entryName: name, why: '的本地文件头与目录记录不一致' });
    }
    const check = new CrcAndSizeCheck(entry.crc32, info.size, corrupt, () =>
      new ZipRefusal('ZIP_BOMB', `压缩包中的文件“${shownEntryName(name)}”解压后超过其声明的大小`, { entryName: name }),
    );
    let raw: Readable;
    if (entry.compressionMethod === 0 && entry.compressedSize > 0) {
      // Stored (the sealed answer files): a plain ranged read in large chunks, where yauzl's
      // reader makes 16 KiB reads (a 100 MB entry: 400 reads instead of 6,400). Size and
      // CRC-32 are checked as for every entry.
      const start = local.fileDataStart;
      raw = fs.createReadStream(this.file, { start, end: start + entry.compressedSize - 1, highWaterMark: STORED_READ_BYTES });
      raw.on('error', () => check.destroy(corrupt()));
      check.once('close', () => raw.destroy()); // a reader that stops early leaves no open file
      return raw.pipe(check);
    }
    try {
      // The callback form: yauzl 3.4's openReadStreamLowLevelPromise forwards to the wrong method.
      raw = await new Promise<Readable>((resolve, reject) =>
        this.zip.openReadStreamLowLevel(local.fileDataStart, entry.compressedSize, 0, entry.compressedSize, entry.compressionMethod === 8, info.size, (err, stream) =>
          err || !stream ? reject(err ?? new Error('no stream')) : resolve(stream),
        ),
      );
    } catch {
      throw corrupt();
    }
    raw.on('error', (e: Error) => check.destroy(/too many bytes|exceed/i.test(e.message) ? check.tooLarge() : corrupt()));
    return raw.pipe(check);
  }

  /** A small entry (manifest, signature) into memory, at most `maxBytes`. */
  async readSmall(name: string, maxBytes: number): Promise<Buffer> {
    const found = this.byName.get(name);
    if (found && found.info.size > maxBytes) throw new ZipRefusal('ZIP_ENTRY_TOO_LARGE', `压缩包中的文件“${shownEntryName(name)}”过大`, { entryName: name });
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of await this.openStream(name)) chunks.push(chunk as Buffer);
    } catch (e) {
      if (e instanceof ZipRefusal) throw e;
      throw new ZipRefusal('ZIP_ENTRY_CORRUPT', `压缩包中的文件“${shownEntryName(name)}”已损坏（长度或校验不符）`, { entryName: name });
    }
    return Buffer.concat(chunks);
  }

  close(): void {
    this.zip.close();
  }
}

function checkEntry(entry: yauzl.Entry, limits: StreamingZipLimits): StreamingZipEntry {
  const raw = entry.fileName as unknown as Buffer;
  const ascii = raw.every((b) => b < 0x80);
  if (!ascii && !(entry.generalPurposeBitFlag & 0x0800)) {
    throw new ZipRefusal('ZIP_ENTRY_UNSAFE', '压缩包中有文件名编码不是 UTF-8 的文件', { why: 'not-utf8-flagged' });
  }
  let name: string;
  try {
    name = utf8.decode(raw);
  } catch {
    throw new ZipRefusal('ZIP_ENTRY_UNSAFE', '压缩包中有文件名不是有效 UTF-8 的文件', { why: 'invalid-utf8' });
  }
  const unsafe = (why: string): ZipRefusal => new ZipRefusal('ZIP_ENTRY_UNSAFE', `压缩包中的文件“${shownEntryName(name)}”${why}，不安全`, { entryName: name, why });
  const reason = unsafeEntryNameReason(name);
  if (reason) throw unsafe(reason);
  const unixMode = (entry.externalFileAttributes >>> 16) & S_IFMT;
  const hostIsUnix = entry.versionMadeBy >> 8 === 3;
  if (unixMode === S_IFLNK || (hostIsUnix && unixMode !== 0 && unixMode !== S_IFREG && unixMode !== S_IFDIR)) throw unsafe('是链接或特殊文件');
  if (entry.generalPurposeBitFlag & 0x0001) {
    throw new ZipRefusal('ZIP_ENTRY_ENCRYPTED', `压缩包中的文件“${shownEntryName(name)}”使用了 zip 密码加密`, { entryName: name });
  }
  if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
    throw new ZipRefusal('ZIP_ENTRY_METHOD', `压缩包中的文件“${shownEntryName(name)}”使用了不支持的压缩方式（${entry.compressionMethod}）`, { entryName: name, method: entry.compressionMethod });
  }
  const isDirectory = name.endsWith('/');
  if (isDirectory && entry.uncompressedSize !== 0) throw unsafe('是带内容的目录');
  if (entry.uncompressedSize > limits.maxEntryBytes) {
    throw new ZipRefusal('ZIP_ENTRY_TOO_LARGE', `压缩包中的文件“${shownEntryName(name)}”超过单个文件的大小上限`, { entryName: name, bytes: entry.uncompressedSize });
  }
  if (entry.compressionMethod === 0 && entry.compressedSize !== entry.uncompressedSize) {
    throw new ZipRefusal('ZIP_ENTRY_CORRUPT', `压缩包中的文件“${shownEntryName(name)}”已损坏（长度或校验不符）`, { entryName: name });
  }
  const ratio = entry.uncompressedSize / Math.max(entry.compressedSize, 1);
  if (limits.maxCompressionRatio !== undefined && entry.uncompressedSize > (limits.ratioCheckFromBytes ?? 0) && ratio > limits.maxCompressionRatio) {
    throw new ZipRefusal('ZIP_BOMB', `压缩包中的文件“${shownEntryName(name)}”压缩比异常（${Math.round(ratio)}:1）`, { entryName: name, ratio: Math.round(ratio) });
  }
  return { name, size: entry.uncompressedSize, compressedSize: entry.compressedSize, isDirectory };
}

function startsLikeZip(file: string): boolean {
  const head = Buffer.alloc(4);
  const fd = fs.openSync(file, 'r');
  try {
    return fs.readSync(fd, head, 0, 4, 0) === 4 && head.readUInt32LE(0) === 0x04034b50;
  } finally {
    fs.closeSync(fd);
  }
}

/** Passes an entry's bytes through, failing at the end unless size and CRC-32 match the directory. */
class CrcAndSizeCheck extends Transform {
  private crc = 0;
  private bytes = 0;

  constructor(
    private readonly expectedCrc: number,
    private readonly expectedSize: number,
    private readonly corrupt: () => ZipRefusal,
    readonly tooLarge: () => ZipRefusal,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.expectedSize) return done(this.tooLarge());
    this.crc = crc32(chunk, this.crc);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    done(this.bytes === this.expectedSize && this.crc >>> 0 === this.expectedCrc >>> 0 ? null : this.corrupt());
  }
}
