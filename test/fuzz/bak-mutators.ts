import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { BAK_CHUNK_BYTES, BAK_CHUNK_OVERHEAD, BAK_IV_BYTES, BAK_MAGIC, BAK_TAG_BYTES, chunkAad, prefixHashOf } from '../../plugins/system/server/backup/bak-format';
import type { Mutator } from './byte-mutators';
import { canonicalJson, mutateJsonField } from './json-mutators';
import { canonicalZip } from './zip-mutators';

/** A .bak split into its clear prefix (magic, version, length, header) and its sealed body. */
interface OpenedBak {
  readonly prefix: Buffer;
  readonly header: Buffer;
  readonly body: Buffer;
}

function splitBak(bytes: Buffer): OpenedBak | null {
  const fixed = BAK_MAGIC.length + 5;
  if (bytes.length < fixed || !bytes.subarray(0, BAK_MAGIC.length).equals(BAK_MAGIC) || bytes[BAK_MAGIC.length] !== 1) return null;
  const len = bytes.readUInt32BE(BAK_MAGIC.length + 1);
  if (fixed + len > bytes.length) return null;
  return { prefix: bytes.subarray(0, fixed + len), header: bytes.subarray(fixed, fixed + len), body: bytes.subarray(fixed + len) };
}

function prefixOf(header: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(header.length);
  return Buffer.concat([BAK_MAGIC, Buffer.from([1]), len, header]);
}

/** The plaintext (a zip) of a .bak, read chunk by chunk as docs/formats.md describes; null when any chunk fails. */
export function unsealBak(bytes: Buffer, key: Buffer): { header: Buffer; zip: Buffer } | null {
  const bak = splitBak(bytes);
  if (!bak) return null;
  const prefixHash = prefixHashOf(bak.prefix);
  const sealed = BAK_CHUNK_BYTES + BAK_CHUNK_OVERHEAD;
  const plain: Buffer[] = [];
  for (let at = 0, index = 0; at < bak.body.length || index === 0; index++) {
    const chunk = bak.body.subarray(at, at + sealed);
    at += chunk.length;
    if (chunk.length < BAK_CHUNK_OVERHEAD) return null;
    const final = at >= bak.body.length;
    try {
      const d = createDecipheriv('aes-256-gcm', key, chunk.subarray(0, BAK_IV_BYTES));
      d.setAAD(chunkAad(prefixHash, index, final));
      d.setAuthTag(chunk.subarray(chunk.length - BAK_TAG_BYTES));
      plain.push(d.update(chunk.subarray(BAK_IV_BYTES, chunk.length - BAK_TAG_BYTES)), d.final());
    } catch {
      return null;
    }
    if (final) break;
  }
  return { header: bak.header, zip: Buffer.concat(plain) };
}

/** Seals a plaintext under `header` with the site's backup key, as the product writes a .bak. */
export function sealBak(header: Buffer, zip: Buffer, key: Buffer): Buffer {
  const prefix = prefixOf(header);
  const prefixHash = prefixHashOf(prefix);
  const out = [prefix];
  const count = Math.max(1, Math.ceil(zip.length / BAK_CHUNK_BYTES));
  for (let i = 0; i < count; i++) {
    const iv = randomBytes(BAK_IV_BYTES);
    const c = createCipheriv('aes-256-gcm', key, iv);
    c.setAAD(chunkAad(prefixHash, i, i === count - 1));
    out.push(iv, c.update(zip.subarray(i * BAK_CHUNK_BYTES, (i + 1) * BAK_CHUNK_BYTES)), c.final(), c.getAuthTag());
  }
  return Buffer.concat(out);
}

/**
 * What a backup means: its clear header (as JSON) and the entries of its sealed zip. Null
 * when it does not open under the site's key: such a file is never the same backup.
 */
export function canonicalBak(key: Buffer): (bytes: Buffer) => string | null {
  return (bytes) => {
    const opened = unsealBak(bytes, key);
    if (!opened) return null;
    const header = canonicalJson(opened.header);
    const zip = canonicalZip(opened.zip);
    return header === null || zip === null ? null : `${header}\n${zip}`;
  };
}

/**
 * Mutators that know the .bak layout: the clear header broken (its length, its JSON, the
 * magic), and — with the real key, so the checks past the seal are reached — the sealed zip
 * replaced by a mutant of it (`zipMutators`: unsafe names, bombs, a broken manifest...).
 */
export function bakMutators(key: Buffer, zipMutators: readonly Mutator[]): Mutator[] {
  const open = (original: Buffer): { header: Buffer; zip: Buffer } => {
    const o = unsealBak(original, key);
    if (!o) throw new Error('the valid backup does not open under the site key');
    return o;
  };
  return [
    {
      name: 'header-field',
      apply(original, rnd) {
        const { header } = open(original);
        const doc = JSON.parse(header.toString('utf8')) as Parameters<typeof mutateJsonField>[0];
        mutateJsonField(doc, rnd);
        return Buffer.concat([prefixOf(Buffer.from(JSON.stringify(doc), 'utf8')), splitBak(original)!.body]);
      },
    },
    {
      name: 'header-length',
      apply(original, rnd) {
        const out = Buffer.from(original);
        out.writeUInt32BE(rnd.pick([0, 1, 0x4001, 0x7fffffff, 0xffffffff, out.readUInt32BE(BAK_MAGIC.length + 1) + 1 + rnd.int(64)]), BAK_MAGIC.length + 1);
        return out;
      },
    },
    {
      name: 'wrong-signature',
      apply(original, rnd) {
        const out = Buffer.from(original);
        if (rnd.chance(0.5)) out[BAK_MAGIC.length] = rnd.pick([0, 2, 255]);
        else Buffer.from(rnd.pick(['PK\u0003\u0004', 'SQLite f', 'EXBACKUQ', '\u0000\u0000\u0000\u0000'])).copy(out, 0);
        return out;
      },
    },
    {
      name: 'chunk-cut-or-repeated',
      apply(original, rnd) {
        const bak = splitBak(original)!;
        const sealed = BAK_CHUNK_BYTES + BAK_CHUNK_OVERHEAD;
        const chunks: Buffer[] = [];
        for (let at = 0; at < bak.body.length; at += sealed) chunks.push(bak.body.subarray(at, at + sealed));
        const i = rnd.int(chunks.length);
        if (rnd.chance(0.5) || chunks.length === 1) chunks.splice(i, 0, chunks[i]!);
        else chunks.splice(i, 1);
        return Buffer.concat([bak.prefix, ...chunks]);
      },
    },
    ...zipMutators.map(
      (m): Mutator => ({
        name: `sealed-${m.name}`,
        apply(original, rnd) {
          const { header, zip } = open(original);
          return sealBak(header, m.apply(zip, rnd), key);
        },
      }),
    ),
  ];
}
