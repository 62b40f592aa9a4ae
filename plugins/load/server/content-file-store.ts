import fs from 'node:fs';
import path from 'node:path';
import { sweepDurableTemps, writeFileDurably } from '../../../core/files/write-durably';
import { sha256Hex } from '../../../core/crypto';
import { AppError } from '../../../core/http/errors';

/**
 * Sealed session content on disk, content-addressed (`<sha256>.bin`). A file is written to a
 * temp name, fsynced and renamed before the database commit that refers to it; files no
 * longer referenced are removed after the commit (and swept at start after a crash).
 */
export class ContentFileStore {
  constructor(
    readonly dir: string,
    private readonly tmpDir: string,
  ) {
    fs.mkdirSync(dir, { recursive: true });
    fs.mkdirSync(tmpDir, { recursive: true });
  }

  pathOf(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a SHA-256: ${sha256}`);
    return path.join(this.dir, `${sha256}.bin`);
  }

  /** Writes the bytes durably; returns true when the file was new. */
  async put(bytes: Buffer, sha256: string): Promise<boolean> {
    const target = this.pathOf(sha256);
    const existing = await fs.promises.stat(target).catch(() => null);
    if (existing && existing.size === bytes.length) return false;
    await writeFileDurably(target, bytes, { tmpDir: this.tmpDir });
    return true;
  }

  /** Reads a file back and checks its address, so a damaged file is never served. */
  async get(sha256: string): Promise<Buffer | null> {
    const bytes = await fs.promises.readFile(this.pathOf(sha256)).catch(() => null);
    if (!bytes) return null;
    if (sha256Hex(bytes) !== sha256) {
      // A user-facing error: the generic "internal error" would not say what to do.
      throw new AppError(500, 'CONTENT_CORRUPT', `考点机上的试题文件 ${sha256.slice(0, 12)}….bin 已损坏（磁盘错误或被改动），请联系考点管理员检查磁盘后执行系统初始化并重新载入考务数据`);
    }
    return bytes;
  }

  async remove(sha256s: Iterable<string>): Promise<void> {
    for (const s of sha256s) await fs.promises.rm(this.pathOf(s), { force: true });
  }

  /** Removes every content file not in `keep` (left behind by an interrupted import). */
  async sweep(keep: ReadonlySet<string>): Promise<number> {
    let removed = 0;
    for (const name of await fs.promises.readdir(this.dir)) {
      const m = /^([0-9a-f]{64})\.bin$/.exec(name);
      if (m && !keep.has(m[1]!)) {
        await fs.promises.rm(path.join(this.dir, name), { force: true });
        removed++;
      }
    }
    await sweepDurableTemps(this.tmpDir);
    return removed;
  }
}
