import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { forgeZip, type ForgedEntry } from '../../testing/zip-forge';
import { StreamingZipReader, ZipRefusal, type StreamingZipLimits } from '../streaming-zip-reader';

const LIMITS: StreamingZipLimits = { maxEntries: 16, maxEntryBytes: 1024 * 1024, maxTotalBytes: 2 * 1024 * 1024, maxCompressionRatio: 50, ratioCheckFromBytes: 64 * 1024 };
const TEXT = Buffer.from('考场数据 '.repeat(200));

describe('core/zip StreamingZipReader: one reader for every zip the site reads (ADR 008)', () => {
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'examsite-zip-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  let n = 0;
  function write(bytes: Buffer): string {
    const file = path.join(dir, `${n++}.zip`);
    fs.writeFileSync(file, bytes);
    return file;
  }
  const zipOf = (...entries: ForgedEntry[]): string => write(forgeZip(entries));

  async function refusal(work: () => Promise<unknown>): Promise<ZipRefusal> {
    try {
      await work();
    } catch (e) {
      expect(e).to.be.instanceOf(ZipRefusal);
      return e as ZipRefusal;
    }
    throw new Error('the zip was accepted');
  }
  async function readAll(file: string, name: string, limits = LIMITS): Promise<Buffer> {
    const zip = await StreamingZipReader.open(file, limits);
    try {
      return await zip.readSmall(name, limits.maxEntryBytes);
    } finally {
      zip.close();
    }
  }

  it('reads stored and deflated entries with their sizes checked', async () => {
    const file = zipOf({ name: 'a.txt', data: TEXT }, { name: 'dir/b.bin', data: Buffer.from([1, 2, 3]), method: 0 });
    expect((await readAll(file, 'a.txt')).equals(TEXT)).to.equal(true);
    expect([...(await readAll(file, 'dir/b.bin'))]).to.deep.equal([1, 2, 3]);
  });

  it('refuses an entry whose local header names another path than the central directory (issue 10 point 11)', async () => {
    const file = zipOf({ name: 'rooms/a.json', localName: '../../evil.json', data: TEXT });
    const r = await refusal(() => readAll(file, 'rooms/a.json'));
    expect(r.code).to.equal('ZIP_ENTRY_UNSAFE');
    expect(r.message).to.equal('压缩包中的文件“rooms/a.json”的本地文件头与目录记录不一致，不安全');
  });

  it('refuses `a/../../x` inside a name, not only a leading `..` (issue 10 point 11)', async () => {
    for (const name of ['a/../../x', 'a/b/../../../x', '..\\x', '/abs', 'C:/x']) {
      const r = await refusal(() => StreamingZipReader.open(zipOf({ name, data: TEXT }), LIMITS));
      expect(r.code, name).to.equal('ZIP_ENTRY_UNSAFE');
    }
  });

  it('refuses a wrong CRC-32 (same size, one byte changed) only when the entry is read', async () => {
    const file = zipOf({ name: 'a.txt', data: TEXT, method: 0, declaredCrc: 0x12345678 });
    const zip = await StreamingZipReader.open(file, LIMITS);
    zip.close();
    const r = await refusal(() => readAll(file, 'a.txt'));
    expect(r.code).to.equal('ZIP_ENTRY_CORRUPT');
  });

  it('refuses a deflated entry that inflates beyond its declared size (a bomb that lies)', async () => {
    const file = zipOf({ name: 'bomb.bin', data: Buffer.alloc(200 * 1024), declaredSize: 1000 });
    const r = await refusal(() => readAll(file, 'bomb.bin'));
    expect(r.code).to.be.oneOf(['ZIP_BOMB', 'ZIP_ENTRY_CORRUPT']);
  });

  it('refuses by the directory alone: ratio bomb, total size, entry size, count, duplicates, not a zip, truncated', async () => {
    expect((await refusal(() => StreamingZipReader.open(zipOf({ name: 'z.bin', data: Buffer.alloc(512 * 1024) }), LIMITS))).code).to.equal('ZIP_BOMB');
    const big = Buffer.alloc(900 * 1024, 7);
    const many = [0, 1, 2].map((i) => ({ name: `p${i}.bin`, data: big, method: 0 as const }));
    expect((await refusal(() => StreamingZipReader.open(zipOf(...many), LIMITS))).code).to.equal('ZIP_TOTAL_TOO_LARGE');
    expect((await refusal(() => StreamingZipReader.open(zipOf({ name: 'x', data: TEXT, declaredSize: 2 * 1024 * 1024 }), LIMITS))).code).to.equal('ZIP_ENTRY_TOO_LARGE');
    const count = Array.from({ length: 17 }, (_, i) => ({ name: `f${i}`, data: TEXT }));
    expect((await refusal(() => StreamingZipReader.open(zipOf(...count), LIMITS))).code).to.equal('ZIP_TOO_MANY_ENTRIES');
    expect((await refusal(() => StreamingZipReader.open(zipOf({ name: 'A.txt', data: TEXT }, { name: 'a.TXT', data: TEXT }), LIMITS))).code).to.equal('ZIP_ENTRY_DUPLICATE');
    expect((await refusal(() => StreamingZipReader.open(write(Buffer.from('%PDF-1.7')), LIMITS))).code).to.equal('ZIP_NOT_ZIP');
    const whole = forgeZip([{ name: 'a.txt', data: TEXT }]);
    expect((await refusal(() => StreamingZipReader.open(write(whole.subarray(0, whole.length - 10)), LIMITS))).code).to.equal('ZIP_TRUNCATED');
    expect((await refusal(() => StreamingZipReader.open(write(Buffer.concat([whole, Buffer.from('appended')])), LIMITS))).code).to.equal('ZIP_TRUNCATED');
    expect((await refusal(() => StreamingZipReader.open(zipOf({ name: 'l', data: TEXT, unixMode: 0o120777 }), LIMITS))).code).to.equal('ZIP_ENTRY_UNSAFE');
    expect((await refusal(() => StreamingZipReader.open(write(whole), { ...LIMITS, maxFileBytes: 10 }))).code).to.equal('ZIP_TOO_LARGE');
  });
});
