import { createHash } from 'node:crypto';
import AdmZip from 'adm-zip';
import { generateSigningKeyPair, signBytes } from '../../core/crypto';
import { forgeZip, unforge, type ForgedEntry } from '../../core/testing/zip-forge';
import type { Mutator } from './byte-mutators';
import { bitFlips } from './byte-mutators';
import type { FuzzRandom } from './fuzz-random';
import { mutateJsonField } from './json-mutators';

type Entry = { name: string; data: Buffer };

/** Names a safe extractor must never write outside its folder (or at all). */
export const UNSAFE_ENTRY_NAMES = ['../x', 'a/../../x', '/abs', 'C:\\x', 'rooms\\..\\..\\x', 'x\u0000.json', '..', 'rooms/../../../etc/passwd'];

function entryMutator(name: string, edit: (entries: Entry[], rnd: FuzzRandom) => ForgedEntry[]): Mutator {
  return { name, apply: (original, rnd) => forgeZip(edit(unforge(original), rnd)) };
}

/** 8 MiB of zeros: ~8 KiB deflated, a ratio of 1000 (the product refuses above 200). Built once. */
let bombData: Buffer | null = null;
function bomb(): Buffer {
  bombData ??= Buffer.alloc(8 * 1024 * 1024);
  return bombData;
}

/**
 * Mutators that know the zip structure (core/testing/zip-forge.ts writes what a zip
 * library would refuse to). `signed`: the JSON entry signed by `sigEntry` and the key that
 * signs it, for re-signing a broken manifest so the checks past the signature are reached.
 */
export function zipMutators(signed: { manifestEntry: string; sigEntry: string; key: { privateKeyPem: string; keyId: string } }): Mutator[] {
  const foreign = generateSigningKeyPair();
  const resign = (entries: Entry[], manifest: Buffer, pem: string, keyId: string): ForgedEntry[] =>
    entries.map((e) =>
      e.name === signed.manifestEntry
        ? { name: e.name, data: manifest }
        : e.name === signed.sigEntry
          ? { name: e.name, data: Buffer.from(JSON.stringify({ v: 1, alg: 'Ed25519', keyId, sig: signBytes(manifest, pem).toString('base64') })) }
          : e,
    );
  return [
    entryMutator('reordered-entries', (entries, rnd) => {
      const out = [...entries];
      for (let i = out.length - 1; i > 0; i--) {
        const j = rnd.int(i + 1);
        [out[i], out[j]] = [out[j]!, out[i]!];
      }
      return out;
    }),
    entryMutator('duplicated-entry', (entries, rnd) => {
      const dup = rnd.pick(entries);
      const other = rnd.chance(0.5) ? dup.data : bitFlips.apply(dup.data, rnd);
      const out = [...entries];
      out.splice(rnd.int(out.length + 1), 0, { name: dup.name, data: other });
      return out;
    }),
    entryMutator('unsafe-entry-name', (entries, rnd) => {
      const bad = rnd.pick(UNSAFE_ENTRY_NAMES);
      if (rnd.chance(0.5)) return [...entries, { name: bad, data: rnd.bytes(16) }];
      const at = rnd.int(entries.length);
      return entries.map((e, i) => (i === at ? { name: rnd.chance(0.5) ? bad : `${bad}/${e.name}`, data: e.data } : e));
    }),
    entryMutator('backslash-name', (entries, rnd) => {
      const at = rnd.int(entries.length);
      return entries.map((e, i) => (i === at ? { name: e.name.replace(/\//g, '\\') + (e.name.includes('/') ? '' : '\\'), data: e.data } : e));
    }),
    entryMutator('huge-declared-size', (entries, rnd) => {
      const at = rnd.int(entries.length);
      return entries.map((e, i) =>
        i === at ? { ...e, ...(rnd.chance(0.5) ? { declaredSize: 0xfffffff0 } : { declaredCompressedSize: 0x7ffffff0 }) } : e,
      );
    }),
    entryMutator('zip-bomb', (entries, rnd) => {
      if (rnd.chance(0.5)) return [...entries, { name: 'bomb.bin', data: bomb() }];
      const at = rnd.int(entries.length);
      return entries.map((e, i) => (i === at ? { name: e.name, data: bomb() } : e));
    }),
    entryMutator('entry-bit-flips', (entries, rnd) => {
      const at = rnd.int(entries.length);
      return entries.map((e, i) => (i === at ? { name: e.name, data: bitFlips.apply(e.data, rnd) } : e));
    }),
    entryMutator('manifest-field-resigned', (entries, rnd) => {
      const m = entries.find((e) => e.name === signed.manifestEntry);
      if (!m) return entries;
      const doc = JSON.parse(m.data.toString('utf8')) as Parameters<typeof mutateJsonField>[0];
      mutateJsonField(doc, rnd);
      return resign(entries, Buffer.from(JSON.stringify(doc, null, 1)), signed.key.privateKeyPem, signed.key.keyId);
    }),
    entryMutator('foreign-key', (entries, rnd) => {
      const m = entries.find((e) => e.name === signed.manifestEntry);
      if (!m) return entries;
      return resign(entries, m.data, foreign.privateKeyPem, rnd.chance(0.5) ? signed.key.keyId : foreign.keyId);
    }),
    entryMutator('dropped-entry', (entries, rnd) => {
      const at = rnd.int(entries.length);
      return entries.filter((_, i) => i !== at);
    }),
  ];
}

/**
 * What a zip means: its entries by name with their bytes, read by a second library with
 * CRCs checked. Null when that reading fails, a name repeats or a name is unsafe: such a
 * zip is never "the same" as a well-formed one.
 */
export function canonicalZip(bytes: Buffer): string | null {
  try {
    const entries = new AdmZip(bytes).getEntries().filter((e) => !e.isDirectory);
    const names = entries.map((e) => e.entryName);
    if (new Set(names).size !== names.length) return null;
    if (names.some((n) => /(^|[\\/])\.\.([\\/]|$)|^[\\/]|^[A-Za-z]:|\\|\u0000/.test(n))) return null;
    const rows = entries.map((e) => {
      const data = e.getData();
      if (data.length !== e.header.size) throw new Error('size mismatch');
      return `${e.entryName}:${createHash('sha256').update(data).digest('hex')}`;
    });
    return rows.sort().join('\n');
  } catch {
    return null;
  }
}
