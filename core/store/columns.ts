import type { ValueTransformer } from 'typeorm';

/**
 * Column conventions valid on both SQLite and PostgreSQL:
 * - instants: ISO-8601 strings in `varchar(32)` (no `datetime`, which PostgreSQL lacks);
 * - byte counts and epoch milliseconds: `bigint` read back through this transformer
 *   (PostgreSQL returns bigint as a string);
 * - binary: base64 in `text` (no `blob`/`bytea` split).
 */
export const bigintAsNumber: ValueTransformer = {
  to: (v: number | null | undefined) => v,
  from: (v: string | number | null) => (v === null || v === undefined ? v : Number(v)),
};

export function isoNow(): string {
  return new Date().toISOString();
}
