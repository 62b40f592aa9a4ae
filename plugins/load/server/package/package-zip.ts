import { formatBytes } from '../../../../core/http/body';
import { shownEntryName } from '../../../../core/zip/entry-name';
import { StreamingZipReader, ZipRefusal } from '../../../../core/zip/streaming-zip-reader';
import type { PackageLimits } from '../../api/package-format';
import { packageRefused } from './package-refusal';

/**
 * The centre package read with core's streaming zip reader (one reader for every zip the
 * site reads, ADR 008): the reader refuses; this file words each refusal for the
 * administrator importing 考务数据 and gives it the load stage's code.
 */
export async function openPackageZip(file: string, limits: PackageLimits): Promise<StreamingZipReader> {
  try {
    return await StreamingZipReader.open(file, {
      maxFileBytes: limits.maxPackageBytes,
      maxEntries: limits.maxEntries,
      maxEntryBytes: limits.maxEntryBytes,
      maxTotalBytes: limits.maxTotalBytes,
      maxCompressionRatio: limits.maxCompressionRatio,
      ratioCheckFromBytes: limits.ratioCheckFromBytes,
    });
  } catch (e) {
    throw e instanceof ZipRefusal ? packageZipRefusal(e, limits) : e;
  }
}

/** An entry's bytes (verified size and CRC-32), refusals worded for the package. */
export async function readPackageEntry(zip: StreamingZipReader, name: string, limits: PackageLimits): Promise<Buffer> {
  try {
    return await zip.readSmall(name, limits.maxEntryBytes);
  } catch (e) {
    throw e instanceof ZipRefusal ? packageZipRefusal(e, limits) : e;
  }
}

const NOT_A_ZIP = '所选文件不是 zip 格式的考场数据包，请选择监控平台下发的 .zip 文件';
const TRUNCATED = '数据包不完整（文件已截断或损坏），请重新下载或重新拷贝数据包';
const ORIGINAL = '请使用监控平台下发的原始数据包';

export function packageZipRefusal(e: ZipRefusal, limits: PackageLimits): Error {
  const name = shownEntryName(e.detail.entryName ?? '');
  switch (e.code) {
    case 'ZIP_NOT_ZIP':
      return packageRefused('PACKAGE_NOT_ZIP', NOT_A_ZIP);
    case 'ZIP_TRUNCATED':
    case 'ZIP_INVALID':
      return packageRefused('PACKAGE_TRUNCATED', TRUNCATED);
    case 'ZIP_TOO_LARGE':
      return packageRefused('PACKAGE_TOO_LARGE', `数据包大小 ${formatBytes(e.detail.bytes ?? 0)} 超过上限 ${formatBytes(limits.maxPackageBytes)}，请确认所选文件是否正确`);
    case 'ZIP_TOO_MANY_ENTRIES':
      return packageRefused('PACKAGE_TOO_MANY_ENTRIES', `数据包包含 ${e.detail.count ?? 0} 个文件，超过上限 ${limits.maxEntries} 个，不是有效的考场数据包；${ORIGINAL}`);
    case 'ZIP_TOTAL_TOO_LARGE':
      return packageRefused('PACKAGE_TOO_LARGE', `数据包解压后总大小超过上限 ${formatBytes(limits.maxTotalBytes)}，不是有效的考场数据包；${ORIGINAL}`);
    case 'ZIP_ENTRY_DUPLICATE':
      return packageRefused('PACKAGE_ENTRY_DUPLICATE', `数据包中文件名“${name}”重复出现，数据包可能被篡改，请重新获取`);
    case 'ZIP_ENTRY_ENCRYPTED':
      return packageRefused('PACKAGE_ENTRY_ENCRYPTED', `数据包中的文件“${name}”使用了 zip 密码加密，不是有效的考场数据包`);
    case 'ZIP_ENTRY_METHOD':
      return packageRefused('PACKAGE_ENTRY_METHOD', `数据包中的文件“${name}”使用了不支持的压缩方式（${e.detail.method ?? '?'}），${ORIGINAL}`);
    case 'ZIP_ENTRY_TOO_LARGE':
      return packageRefused(
        'PACKAGE_ENTRY_TOO_LARGE',
        `数据包中的文件“${name}”大小 ${formatBytes(e.detail.bytes ?? 0)} 超过单个文件上限 ${formatBytes(limits.maxEntryBytes)}，不是有效的考场数据包；${ORIGINAL}`,
      );
    case 'ZIP_BOMB':
      return packageRefused(
        'PACKAGE_ZIP_BOMB',
        e.detail.ratio !== undefined
          ? `数据包中的文件“${name}”压缩比异常（${e.detail.ratio}:1），疑似“zip 炸弹”，已拒绝；${ORIGINAL}`
          : `数据包中的文件“${name}”解压后超过其声明的大小，疑似“zip 炸弹”，已拒绝；${ORIGINAL}`,
      );
    case 'ZIP_ENTRY_CORRUPT':
      return packageRefused('PACKAGE_CORRUPT', `数据包已损坏：文件“${name}”校验失败（CRC 或长度不符），请重新下载或重新拷贝数据包`);
    case 'ZIP_ENTRY_UNSAFE':
      if (e.detail.why === 'not-utf8-flagged') return packageRefused('PACKAGE_ENTRY_UNSAFE', '数据包中有文件名编码不是 UTF-8 的文件，不是监控平台下发的原始数据包');
      if (e.detail.why === 'invalid-utf8') return packageRefused('PACKAGE_ENTRY_UNSAFE', '数据包中有文件名不是有效 UTF-8 的文件，数据包可能被篡改');
      return packageRefused('PACKAGE_ENTRY_UNSAFE', `数据包中的文件“${name}”${e.detail.why ?? ''}，不安全，已拒绝整个数据包；${ORIGINAL}`);
  }
}
