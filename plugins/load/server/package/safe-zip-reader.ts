import { crc32, inflateRawSync } from 'node:zlib';
import { formatBytes } from '../../../../core/http/body';
import { shownEntryName, unsafeEntryNameReason } from '../../../../core/zip/entry-name';
import type { PackageLimits } from '../../api/package-format';
import { packageRefused } from './package-refusal';

/**
 * A zip reader for centre packages that trusts nothing in the archive. It parses the
 * central directory itself (no library decides what a name means), refuses unsafe names,
 * links, duplicates, encryption and oversize entries before inflating anything, and
 * inflates each entry with an output cap equal to its declared size (zip bombs).
 */
export interface SafeZipEntry {
  readonly name: string;
  readonly isDirectory: boolean;
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly crc32: number;
  readonly localHeaderOffset: number;
  readonly rawName: Buffer;
}

const SIG_EOCD = 0x06054b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;
const EOCD_MIN = 22;
const CENTRAL_MIN = 46;
const LOCAL_MIN = 30;
const METHOD_STORED = 0;
const METHOD_DEFLATED = 8;
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;

const NOT_A_ZIP = '所选文件不是 zip 格式的考场数据包，请选择监控平台下发的 .zip 文件';
const TRUNCATED = '数据包不完整（文件已截断或损坏），请重新下载或重新拷贝数据包';

export class SafeZipReader {
  private constructor(
    private readonly buf: Buffer,
    private readonly centralStart: number,
    readonly entries: readonly SafeZipEntry[],
  ) {}

  static open(buf: Buffer, limits: PackageLimits): SafeZipReader {
    if (buf.length > limits.maxPackageBytes) {
      throw packageRefused('PACKAGE_TOO_LARGE', `数据包大小 ${formatBytes(buf.length)} 超过上限 ${formatBytes(limits.maxPackageBytes)}，请确认所选文件是否正确`);
    }
    const startsLikeZip = buf.length >= 4 && buf.readUInt32LE(0) === SIG_LOCAL;
    const eocd = findEndOfCentralDirectory(buf);
    if (eocd < 0) throw packageRefused(startsLikeZip ? 'PACKAGE_TRUNCATED' : 'PACKAGE_NOT_ZIP', startsLikeZip ? TRUNCATED : NOT_A_ZIP);
    const diskNo = buf.readUInt16LE(eocd + 4);
    const cdDisk = buf.readUInt16LE(eocd + 6);
    const onDisk = buf.readUInt16LE(eocd + 8);
    const total = buf.readUInt16LE(eocd + 10);
    const cdSize = buf.readUInt32LE(eocd + 12);
    const cdOffset = buf.readUInt32LE(eocd + 16);
    const commentLength = buf.readUInt16LE(eocd + 20);
    if (diskNo !== 0 || cdDisk !== 0 || onDisk !== total) {
      throw packageRefused('PACKAGE_NOT_ZIP', '数据包是分卷 zip，本系统只接受单个 .zip 文件的考场数据包');
    }
    if (total === 0xffff || cdOffset === 0xffffffff || cdSize === 0xffffffff) {
      throw packageRefused('PACKAGE_NOT_ZIP', '数据包使用了 ZIP64 格式，考场数据包不应如此之大，请确认所选文件是否正确');
    }
    if (eocd + EOCD_MIN + commentLength !== buf.length || cdOffset + cdSize !== eocd) {
      throw packageRefused('PACKAGE_TRUNCATED', TRUNCATED);
    }
    if (total > limits.maxEntries) {
      throw packageRefused('PACKAGE_TOO_MANY_ENTRIES', `数据包包含 ${total} 个文件，超过上限 ${limits.maxEntries} 个，不是有效的考场数据包；请使用监控平台下发的原始数据包`);
    }
    const entries: SafeZipEntry[] = [];
    const seen = new Set<string>();
    let totalBytes = 0;
    let p = cdOffset;
    for (let i = 0; i < total; i++) {
      if (p + CENTRAL_MIN > eocd || buf.readUInt32LE(p) !== SIG_CENTRAL) throw packageRefused('PACKAGE_TRUNCATED', TRUNCATED);
      const madeBy = buf.readUInt16LE(p + 4);
      const flags = buf.readUInt16LE(p + 8);
      const method = buf.readUInt16LE(p + 10);
      const crc = buf.readUInt32LE(p + 16);
      const compressedSize = buf.readUInt32LE(p + 20);
      const size = buf.readUInt32LE(p + 24);
      const nameLength = buf.readUInt16LE(p + 28);
      const extraLength = buf.readUInt16LE(p + 30);
      const commentLen = buf.readUInt16LE(p + 32);
      const externalAttrs = buf.readUInt32LE(p + 38);
      const localHeaderOffset = buf.readUInt32LE(p + 42);
      const end = p + CENTRAL_MIN + nameLength + extraLength + commentLen;
      if (end > eocd) throw packageRefused('PACKAGE_TRUNCATED', TRUNCATED);
      const rawName = buf.subarray(p + CENTRAL_MIN, p + CENTRAL_MIN + nameLength);
      p = end;

      const name = decodeName(rawName, flags);
      checkEntryName(name);
      const unixMode = (externalAttrs >>> 16) & S_IFMT;
      const hostIsUnix = madeBy >> 8 === 3;
      if (unixMode === S_IFLNK || (hostIsUnix && unixMode !== 0 && unixMode !== S_IFREG && unixMode !== S_IFDIR)) {
        throw unsafe(name, '是链接或特殊文件');
      }
      const key = name.toLowerCase();
      if (seen.has(key)) {
        throw packageRefused('PACKAGE_ENTRY_DUPLICATE', `数据包中文件名“${shown(name)}”重复出现，数据包可能被篡改，请重新获取`);
      }
      seen.add(key);
      if (flags & 0x0001) throw packageRefused('PACKAGE_ENTRY_ENCRYPTED', `数据包中的文件“${shown(name)}”使用了 zip 密码加密，不是有效的考场数据包`);
      if (method !== METHOD_STORED && method !== METHOD_DEFLATED) {
        throw packageRefused('PACKAGE_ENTRY_METHOD', `数据包中的文件“${shown(name)}”使用了不支持的压缩方式（${method}），请使用监控平台下发的原始数据包`);
      }
      const isDirectory = name.endsWith('/');
      if (isDirectory && size !== 0) throw unsafe(name, '是带内容的目录');
      if (size > limits.maxEntryBytes) {
        throw packageRefused('PACKAGE_ENTRY_TOO_LARGE', `数据包中的文件“${shown(name)}”大小 ${formatBytes(size)} 超过单个文件上限 ${formatBytes(limits.maxEntryBytes)}，不是有效的考场数据包；请使用监控平台下发的原始数据包`);
      }
      totalBytes += size;
      if (totalBytes > limits.maxTotalBytes) {
        throw packageRefused('PACKAGE_TOO_LARGE', `数据包解压后总大小超过上限 ${formatBytes(limits.maxTotalBytes)}，不是有效的考场数据包；请使用监控平台下发的原始数据包`);
      }
      if (method === METHOD_STORED && compressedSize !== size) throw packageRefused('PACKAGE_CORRUPT', corrupt(name));
      if (size > limits.ratioCheckFromBytes && size / Math.max(compressedSize, 1) > limits.maxCompressionRatio) {
        throw packageRefused('PACKAGE_ZIP_BOMB', `数据包中的文件“${shown(name)}”压缩比异常（${Math.round(size / Math.max(compressedSize, 1))}:1），疑似“zip 炸弹”，已拒绝；请使用监控平台下发的原始数据包`);
      }
      if (localHeaderOffset + LOCAL_MIN > cdOffset) throw packageRefused('PACKAGE_TRUNCATED', TRUNCATED);
      entries.push({ name, isDirectory, method, compressedSize, size, crc32: crc, localHeaderOffset, rawName });
    }
    return new SafeZipReader(buf, cdOffset, entries);
  }

  /** Inflates one entry, never beyond its declared size, and checks size and CRC-32. */
  read(entry: SafeZipEntry): Buffer {
    const buf = this.buf;
    const at = entry.localHeaderOffset;
    if (buf.readUInt32LE(at) !== SIG_LOCAL) throw packageRefused('PACKAGE_CORRUPT', corrupt(entry.name));
    const nameLength = buf.readUInt16LE(at + 26);
    const extraLength = buf.readUInt16LE(at + 28);
    const localName = buf.subarray(at + LOCAL_MIN, at + LOCAL_MIN + nameLength);
    // A local name differing from the central one is a known trick to smuggle a path past checks.
    if (!localName.equals(entry.rawName)) throw unsafe(entry.name, '的本地文件头与目录记录不一致');
    const start = at + LOCAL_MIN + nameLength + extraLength;
    const end = start + entry.compressedSize;
    if (end > this.centralStart) throw packageRefused('PACKAGE_TRUNCATED', TRUNCATED);
    const raw = buf.subarray(start, end);
    let data: Buffer;
    if (entry.method === METHOD_STORED) {
      data = raw;
    } else if (entry.size === 0) {
      data = Buffer.alloc(0);
    } else {
      try {
        data = inflateRawSync(raw, { maxOutputLength: entry.size });
      } catch (e) {
        if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
          throw packageRefused('PACKAGE_ZIP_BOMB', `数据包中的文件“${shown(entry.name)}”解压后超过其声明的大小，疑似“zip 炸弹”，已拒绝；请使用监控平台下发的原始数据包`);
        }
        throw packageRefused('PACKAGE_CORRUPT', corrupt(entry.name));
      }
    }
    if (data.length !== entry.size || crc32(data) !== entry.crc32) throw packageRefused('PACKAGE_CORRUPT', corrupt(entry.name));
    return data;
  }
}

function findEndOfCentralDirectory(buf: Buffer): number {
  if (buf.length < EOCD_MIN) return -1;
  const lowest = Math.max(0, buf.length - EOCD_MIN - 0xffff);
  for (let i = buf.length - EOCD_MIN; i >= lowest; i--) {
    if (buf.readUInt32LE(i) === SIG_EOCD) return i;
  }
  return -1;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeName(raw: Buffer, flags: number): string {
  const ascii = raw.every((b) => b < 0x80);
  if (!ascii && !(flags & 0x0800)) {
    throw packageRefused('PACKAGE_ENTRY_UNSAFE', '数据包中有文件名编码不是 UTF-8 的文件，不是监控平台下发的原始数据包');
  }
  try {
    return utf8.decode(raw);
  } catch {
    throw packageRefused('PACKAGE_ENTRY_UNSAFE', '数据包中有文件名不是有效 UTF-8 的文件，数据包可能被篡改');
  }
}

/** Names must be plain relative paths: checked here (core/zip), never by the zip library. */
export function checkEntryName(name: string): void {
  const why = unsafeEntryNameReason(name);
  if (why) throw unsafe(name, why);
}

const shown = shownEntryName;

function unsafe(name: string, why: string): Error {
  return packageRefused('PACKAGE_ENTRY_UNSAFE', `数据包中的文件“${shown(name)}”${why}，不安全，已拒绝整个数据包；请使用监控平台下发的原始数据包`);
}

function corrupt(name: string): string {
  return `数据包已损坏：文件“${shown(name)}”校验失败（CRC 或长度不符），请重新下载或重新拷贝数据包`;
}
