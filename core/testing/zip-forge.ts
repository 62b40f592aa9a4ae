import { crc32, deflateRawSync } from 'node:zlib';
import AdmZip from 'adm-zip';

/**
 * Writes zips byte by byte, including the hostile ones a zip library would refuse to
 * write: duplicate names, backslashes, symlinks, lying sizes.
 */
export interface ForgedEntry {
  readonly name: string;
  readonly data: Buffer;
  /** 0 = stored, 8 = deflated (default). */
  readonly method?: 0 | 8;
  /** Overrides the uncompressed size written in the headers. */
  readonly declaredSize?: number;
  /** Overrides the compressed size written in the headers. */
  readonly declaredCompressedSize?: number;
  /** Unix mode for the external attributes (e.g. 0o120777 for a symlink). */
  readonly unixMode?: number;
  /** Another name in the local header than in the central directory (a smuggling trick). */
  readonly localName?: string;
  /** Overrides the CRC-32 written in the headers. */
  readonly declaredCrc?: number;
}

export function forgeZip(entries: readonly ForgedEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const localName = e.localName !== undefined ? Buffer.from(e.localName, 'utf8') : name;
    const method = e.method ?? 8;
    const body = method === 8 ? deflateRawSync(e.data) : e.data;
    const crc = e.declaredCrc ?? crc32(e.data);
    const size = e.declaredSize ?? e.data.length;
    const csize = e.declaredCompressedSize ?? body.length;
    const flags = /[^\x00-\x7f]/.test(e.name) ? 0x0800 : 0;

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(csize >>> 0, 18);
    local.writeUInt32LE(size >>> 0, 22);
    local.writeUInt16LE(localName.length, 26);
    locals.push(local, localName, body);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(e.unixMode !== undefined ? (3 << 8) | 20 : 20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(csize >>> 0, 20);
    central.writeUInt32LE(size >>> 0, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(e.unixMode !== undefined ? (e.unixMode << 16) >>> 0 : 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + localName.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(entries.length, 8);
  eocd.writeUInt16LE(entries.length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, eocd]);
}

/** The entries of a (well-formed) zip, for re-forging it with one thing changed. */
export function unforge(zip: Buffer): { name: string; data: Buffer }[] {
  return new AdmZip(zip).getEntries().map((e) => ({ name: e.entryName, data: e.getData() }));
}
