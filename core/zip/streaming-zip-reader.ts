import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { shownEntryName, unsafeEntryNameReason } from './entry-name';

export interface StreamingZipLimits {
  readonly maxEntries: number;
  /** Declared uncompressed size of one entry. */
  readonly maxEntryBytes: number;
}

export interface StreamingZipEntry {
  readonly name: string;
  readonly size: number;
  readonly compressedSize: number;
  readonly isDirectory: boolean;
}

/** Why an archive was refused; `message` is Chinese and names the entry. */
export class ZipRefusal extends Error {
  override name = 'ZipRefusal';
  constructor(
    readonly code: 'ZIP_INVALID' | 'ZIP_ENTRY_UNSAFE' | 'ZIP_ENTRY_DUPLICATE' | 'ZIP_TOO_MANY_ENTRIES' | 'ZIP_ENTRY_TOO_LARGE' | 'ZIP_ENTRY_CORRUPT',
    message: string,
  ) {
    super(message);
  }
}

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A zip file read from disk, never whole in memory (yauzl on a file descriptor). `open`
 * reads the whole central directory first and refuses unsafe names, links, duplicates,
 * encryption, too many or too large entries before any content is read; each entry is
 * then streamed with its size checked against the directory (yauzl validateEntrySizes).
 */
export class StreamingZipReader {
  private constructor(
    private readonly zip: yauzl.ZipFile,
    private readonly byName: Map<string, { entry: yauzl.Entry; info: StreamingZipEntry }>,
  ) {}

  get entries(): StreamingZipEntry[] {
    return [...this.byName.values()].map((e) => e.info);
  }

  static async open(file: string, limits: StreamingZipLimits): Promise<StreamingZipReader> {
    const zip = await new Promise<yauzl.ZipFile>((resolve, reject) => {
      yauzl.open(file, { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true, strictFileNames: false }, (err, z) =>
        err || !z ? reject(new ZipRefusal('ZIP_INVALID', '文件不是有效的 zip 压缩包（格式错误或已截断）')) : resolve(z),
      );
    });
    try {
      if (zip.entryCount > limits.maxEntries) {
        throw new ZipRefusal('ZIP_TOO_MANY_ENTRIES', `压缩包包含 ${zip.entryCount} 个文件，超过上限 ${limits.maxEntries} 个`);
      }
      const byName = new Map<string, { entry: yauzl.Entry; info: StreamingZipEntry }>();
      const seen = new Set<string>();
      await new Promise<void>((resolve, reject) => {
        zip.on('error', () => reject(new ZipRefusal('ZIP_INVALID', '压缩包目录已损坏或已截断')));
        zip.on('end', () => resolve());
        zip.on('entry', (entry: yauzl.Entry) => {
          try {
            const info = checkEntry(entry, limits);
            const key = info.name.toLowerCase();
            if (seen.has(key)) throw new ZipRefusal('ZIP_ENTRY_DUPLICATE', `压缩包中文件名“${shownEntryName(info.name)}”重复出现`);
            seen.add(key);
            byName.set(info.name, { entry, info });
            zip.readEntry();
          } catch (e) {
            reject(e);
          }
        });
        zip.readEntry();
      });
      return new StreamingZipReader(zip, byName);
    } catch (e) {
      zip.close();
      throw e;
    }
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** The entry's uncompressed bytes as a stream; fails when they disagree with the directory. */
  openStream(name: string): Promise<Readable> {
    const found = this.byName.get(name);
    if (!found) return Promise.reject(new ZipRefusal('ZIP_INVALID', `压缩包中没有文件“${shownEntryName(name)}”`));
    return new Promise((resolve, reject) => {
      this.zip.openReadStream(found.entry, (err, stream) =>
        err || !stream ? reject(new ZipRefusal('ZIP_ENTRY_CORRUPT', `压缩包中的文件“${shownEntryName(name)}”已损坏`)) : resolve(stream),
      );
    });
  }

  /** A small entry (manifest, signature) into memory, at most `maxBytes`. */
  async readSmall(name: string, maxBytes: number): Promise<Buffer> {
    const found = this.byName.get(name);
    if (found && found.info.size > maxBytes) throw new ZipRefusal('ZIP_ENTRY_TOO_LARGE', `压缩包中的文件“${shownEntryName(name)}”过大`);
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of await this.openStream(name)) chunks.push(chunk as Buffer);
    } catch (e) {
      if (e instanceof ZipRefusal) throw e;
      throw new ZipRefusal('ZIP_ENTRY_CORRUPT', `压缩包中的文件“${shownEntryName(name)}”已损坏（长度或校验不符）`);
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
  if (!ascii && !(entry.generalPurposeBitFlag & 0x0800)) throw new ZipRefusal('ZIP_ENTRY_UNSAFE', '压缩包中有文件名编码不是 UTF-8 的文件');
  let name: string;
  try {
    name = utf8.decode(raw);
  } catch {
    throw new ZipRefusal('ZIP_ENTRY_UNSAFE', '压缩包中有文件名不是有效 UTF-8 的文件');
  }
  const unsafe = unsafeEntryNameReason(name);
  if (unsafe) throw new ZipRefusal('ZIP_ENTRY_UNSAFE', `压缩包中的文件“${shownEntryName(name)}”${unsafe}，不安全`);
  const unixMode = (entry.externalFileAttributes >>> 16) & S_IFMT;
  const hostIsUnix = entry.versionMadeBy >> 8 === 3;
  if (unixMode === S_IFLNK || (hostIsUnix && unixMode !== 0 && unixMode !== S_IFREG && unixMode !== S_IFDIR)) {
    throw new ZipRefusal('ZIP_ENTRY_UNSAFE', `压缩包中的文件“${shownEntryName(name)}”是链接或特殊文件，不安全`);
  }
  if (entry.generalPurposeBitFlag & 0x0001) throw new ZipRefusal('ZIP_ENTRY_UNSAFE', `压缩包中的文件“${shownEntryName(name)}”使用了 zip 密码加密`);
  if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
    throw new ZipRefusal('ZIP_ENTRY_UNSAFE', `压缩包中的文件“${shownEntryName(name)}”使用了不支持的压缩方式（${entry.compressionMethod}）`);
  }
  if (entry.uncompressedSize > limits.maxEntryBytes) {
    throw new ZipRefusal('ZIP_ENTRY_TOO_LARGE', `压缩包中的文件“${shownEntryName(name)}”超过单个文件的大小上限`);
  }
  const isDirectory = name.endsWith('/');
  return { name, size: entry.uncompressedSize, compressedSize: entry.compressedSize, isDirectory };
}
