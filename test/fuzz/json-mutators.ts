import { generateSigningKeyPair, signJson } from '../../core/crypto';
import type { Mutator } from './byte-mutators';
import type { FuzzRandom } from './fuzz-random';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A value of another JSON type than `v`: what no well-formed centre file ever holds there. */
function wrongTypeFor(v: Json, rnd: FuzzRandom): Json {
  const candidates: Json[] = [null, true, 12345, -1, 'x', [], {}, 'A'.repeat(5000)];
  const differs = candidates.filter((c) => typeOf(c) !== typeOf(v));
  return rnd.pick(differs);
}

function typeOf(v: Json): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

/**
 * Breaks one field somewhere in the tree: deletes it, gives it a value of another type, or
 * (for arrays) empties, duplicates or drops an element. Returns false when nothing changed.
 */
export function mutateJsonField(root: Json, rnd: FuzzRandom): boolean {
  let node: Json = root;
  for (let depth = 0; depth < 6; depth++) {
    if (node === null || typeof node !== 'object') return false;
    const keys = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node);
    if (keys.length === 0) return false;
    const key = rnd.pick<string | number>(keys);
    const child: Json = Array.isArray(node) ? node[key as number]! : node[key as string]!;
    const descend = child !== null && typeof child === 'object' && rnd.chance(0.6);
    if (descend) {
      node = child;
      continue;
    }
    if (Array.isArray(node)) {
      const op = rnd.int(3);
      if (op === 0) node.splice(key as number, 1);
      else if (op === 1) node.push(structuredClone(child));
      else node[key as number] = wrongTypeFor(child, rnd);
    } else if (rnd.chance(0.3)) {
      delete node[key as string];
    } else {
      node[key as string] = wrongTypeFor(child, rnd);
    }
    return true;
  }
  return false;
}

function parseObject(bytes: Buffer): Record<string, Json> {
  const v = JSON.parse(bytes.toString('utf8')) as Json;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not a JSON object');
  return v;
}

function jsonBytes(v: Json): Buffer {
  return Buffer.from(`${JSON.stringify(v, null, 2)}\n`, 'utf8');
}

/** The canonical meaning of a JSON file (keys sorted, whitespace gone); null if it is not JSON. */
export function canonicalJson(bytes: Buffer): string | null {
  try {
    return JSON.stringify(sortKeys(JSON.parse(bytes.toString('utf8')) as Json));
  } catch {
    return null;
  }
}

function sortKeys(v: Json): Json {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k]!)]));
}

/** Field mutations of the file's own JSON (for a signed envelope: v, keyId, payload, sig). */
export const jsonFieldMutation: Mutator = {
  name: 'json-field',
  apply(original, rnd) {
    const doc = parseObject(original);
    mutateJsonField(doc, rnd);
    return jsonBytes(doc);
  },
};

/** Same members in another order and layout: the same meaning (counted as equivalent). */
export const jsonReordered: Mutator = {
  name: 'json-reordered',
  apply(original) {
    const doc = parseObject(original);
    const reversed = Object.fromEntries(Object.entries(doc).reverse());
    return Buffer.from(JSON.stringify(reversed), 'utf8');
  },
};

/**
 * Mutators of a signed envelope (core/crypto/signing.ts) whose payload is re-signed:
 * with the real centre key after breaking a field's type (a check past the signature must
 * refuse it), or unchanged with a foreign key (under its own or the real keyId).
 */
export function envelopeMutators(realKey: { readonly privateKeyPem: string; readonly keyId: string }): Mutator[] {
  const foreign = generateSigningKeyPair();
  const payloadOf = (original: Buffer): Record<string, Json> => {
    const env = parseObject(original);
    return parseObject(Buffer.from(String(env.payload), 'base64'));
  };
  return [
    {
      name: 'payload-field-resigned',
      apply(original, rnd) {
        const payload = payloadOf(original);
        mutateJsonField(payload, rnd);
        return jsonBytes(signJson(payload, realKey.privateKeyPem) as unknown as Json);
      },
    },
    {
      name: 'foreign-key',
      apply(original, rnd) {
        const env = signJson(payloadOf(original), foreign.privateKeyPem);
        return jsonBytes((rnd.chance(0.5) ? { ...env, keyId: realKey.keyId } : env) as unknown as Json);
      },
    },
  ];
}
