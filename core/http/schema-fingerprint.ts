import { zodToOpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z, type ZodType } from 'zod';

/**
 * What a zod schema says, as a string: its definition (`_zod.def`: type, shape, checks,
 * options, entries, inner types…, nested schemas by their own fingerprints) and its
 * metadata in zod's global registry (`.meta()`, `.describe()`) and zod-to-openapi's — every
 * input the OpenAPI generator reads. Two schemas with the same fingerprint yield the same
 * document part, so the served document can be reused across kernels of one process
 * (core/http/openapi.ts, ADR 018). Functions (transforms, refinements) are not part of it:
 * the generator does not document them; a lazy schema is followed through its getter.
 */
export function schemaFingerprint(schema: ZodType): string {
  return new Fingerprinter().ofSchema(schema);
}

/**
 * Per schema object: zod schemas are immutable (`.meta()`, `.optional()` … return new
 * ones), so a module-level schema is read once per process.
 */
const known = new WeakMap<object, string>();

interface ZodInternals {
  readonly _zod: { readonly def: unknown };
}

function hasZodInternals(v: object): v is ZodInternals {
  return '_zod' in v && typeof (v as { _zod: unknown })._zod === 'object' && (v as { _zod: object | null })._zod !== null && 'def' in (v as ZodInternals)._zod;
}

function isLazyDef(def: unknown): def is { type: 'lazy'; getter: () => object } {
  return typeof def === 'object' && def !== null && (def as { type?: unknown }).type === 'lazy' && typeof (def as { getter?: unknown }).getter === 'function';
}

class Fingerprinter {
  /** Schemas being read: a recursive (lazy) schema refers to itself by position. */
  private readonly open: object[] = [];
  /** Outermost open schema a cycle reference pointed at: fingerprints inside it depend on where they were read. */
  private cycleTo = Infinity;

  ofSchema(schema: object): string {
    const done = known.get(schema);
    if (done !== undefined) return done;
    const depth = this.open.indexOf(schema);
    if (depth >= 0) {
      this.cycleTo = Math.min(this.cycleTo, depth);
      return `@cycle${this.open.length - depth}`;
    }
    this.open.push(schema);
    try {
      const def = (schema as ZodInternals)._zod.def;
      const parts = [this.ofValue(def)];
      if (isLazyDef(def)) parts.push(this.ofSchema(def.getter()));
      if (schema instanceof z.ZodType) parts.push(this.ofValue(z.globalRegistry.get(schema)), this.ofValue(zodToOpenAPIRegistry.get(schema)));
      const print = `Z(${parts.join(',')})`;
      const here = this.open.length - 1;
      if (this.cycleTo >= here) {
        // Complete in itself (no reference to a schema still open outside it).
        known.set(schema, print);
        this.cycleTo = Infinity;
      }
      return print;
    } finally {
      this.open.pop();
    }
  }

  ofValue(v: unknown): string {
    switch (typeof v) {
      case 'undefined':
        return 'u';
      case 'string':
        return JSON.stringify(v);
      case 'number':
      case 'boolean':
        return String(v);
      case 'bigint':
        return `${v}n`;
      case 'symbol':
        return `S(${v.description ?? ''})`;
      case 'function':
        return 'f';
      default:
        break;
    }
    if (typeof v !== 'object' || v === null) return 'null';
    if (hasZodInternals(v)) return this.ofSchema(v);
    if (v instanceof RegExp) return `R(${v.toString()})`;
    if (v instanceof Date) return `D(${v.toISOString()})`;
    if (Array.isArray(v)) return `[${v.map((x) => this.ofValue(x)).join(',')}]`;
    if (v instanceof Set || v instanceof Map) return `${v.constructor.name}(${[...v].map((x) => this.ofValue(x)).join(',')})`;
    // Own enumerable keys, getters included (zod defines `shape` and `defaultValue` as getters).
    return `{${Object.keys(v)
      .map((k) => `${JSON.stringify(k)}:${this.ofValue((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
}
