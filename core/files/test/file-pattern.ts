import { createHash } from 'node:crypto';

/** Deterministic test bytes: the same `(size, seed)` always gives the same file. */
export function patternBytes(start: number, length: number, seed = 7): Buffer {
  const buf = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) buf[i] = ((start + i) * 31 + seed + ((start + i) >> 11)) & 0xff;
  return buf;
}

export function patternSha256(size: number, seed = 7): string {
  const hash = createHash('sha256');
  for (let at = 0; at < size; at += 1 << 20) hash.update(patternBytes(at, Math.min(1 << 20, size - at), seed));
  return hash.digest('hex');
}

/** The pattern from `from` to `size`, in chunks, optionally slowed down. */
export async function* patternChunks(from: number, size: number, chunk = 64 * 1024, delayMs = 0): AsyncGenerator<Buffer> {
  for (let at = from; at < size; at += chunk) {
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
    yield patternBytes(at, Math.min(chunk, size - at));
  }
}
