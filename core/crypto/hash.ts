import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Streams the file: memory stays flat for result packages and backups of any size. */
export async function sha256File(path: string): Promise<string> {
  const hasher = new HashingPassThrough();
  await pipeline(createReadStream(path), hasher, async (source: AsyncIterable<Buffer>) => {
    for await (const _chunk of source) void _chunk;
  });
  return hasher.digestHex();
}

/**
 * Passes bytes through unchanged while hashing (SHA-256) and counting them, so an upload can
 * be written to disk and checked against its declared size and hash in one pass.
 */
export class HashingPassThrough extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private count = 0;
  private hex: string | null = null;

  /** Bytes seen so far. */
  get bytes(): number {
    return this.count;
  }

  /** True once the stream ended and the digest is final. */
  get finished(): boolean {
    return this.hex !== null;
  }

  /** The hex digest; only after the stream ended (a partial digest would be a lie). */
  digestHex(): string {
    if (this.hex === null) throw new Error('HashingPassThrough: digest requested before the stream ended');
    return this.hex;
  }

  override _transform(chunk: Buffer | string, encoding: BufferEncoding, callback: TransformCallback): void {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk;
    this.hash.update(buf);
    this.count += buf.length;
    callback(null, buf);
  }

  override _flush(callback: TransformCallback): void {
    this.hex = this.hash.digest('hex');
    callback();
  }
}
