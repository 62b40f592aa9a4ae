import { createCipheriv, randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { BAK_CHUNK_BYTES, BAK_IV_BYTES, chunkAad, prefixHashOf } from './bak-format';

/**
 * Plaintext in, the .bak out: the clear prefix first, then 1 MiB chunks sealed one by
 * one (bak-format.ts). Holds at most one chunk: the last one is sealed with the final
 * flag at the end of the stream, so a file cut at a chunk boundary is detected too.
 */
export class ChunkSealer extends Transform {
  private readonly prefixHash: Buffer;
  private pending = Buffer.allocUnsafe(BAK_CHUNK_BYTES);
  private filled = 0;
  private index = 0;

  constructor(
    private readonly key: Buffer,
    prefix: Buffer,
  ) {
    super();
    this.prefixHash = prefixHashOf(prefix);
    this.push(prefix);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    let offset = 0;
    while (offset < chunk.length) {
      // A full chunk is sealed only once more data shows it is not the last one.
      if (this.filled === BAK_CHUNK_BYTES) {
        this.seal(this.pending, false);
        // The ciphertext is a new buffer: the plaintext buffer is reused (no 1 MiB garbage per chunk).
        this.filled = 0;
      }
      const n = Math.min(chunk.length - offset, BAK_CHUNK_BYTES - this.filled);
      chunk.copy(this.pending, this.filled, offset, offset + n);
      this.filled += n;
      offset += n;
    }
    done();
  }

  override _flush(done: TransformCallback): void {
    this.seal(this.pending.subarray(0, this.filled), true);
    done();
  }

  /** Pushes `iv | ciphertext | tag` as three buffers (no copy into one; the file stream writes them together). */
  private seal(plain: Buffer, final: boolean): void {
    const iv = randomBytes(BAK_IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(chunkAad(this.prefixHash, this.index, final));
    this.index += 1;
    this.push(iv);
    this.push(cipher.update(plain));
    const rest = cipher.final();
    if (rest.length > 0) this.push(rest);
    this.push(cipher.getAuthTag());
  }
}
