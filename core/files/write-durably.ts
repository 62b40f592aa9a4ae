import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { writeFailedError } from './file-errors';

export interface WriteDurablyOptions {
  /** File mode of the new file (e.g. 0o600 for keys and credentials). */
  readonly mode?: number;
  /** Where the temp file goes; the target's own folder by default (must be the same file system). */
  readonly tmpDir?: string;
}

/** Suffix of the temp files this helper leaves behind only when the process dies mid-write. */
export const DURABLE_TEMP_SUFFIX = '.durable-tmp';

/**
 * temp file → write → fsync → rename → fsync of the folder: after a crash the target holds
 * the old bytes or the new ones, never a mix. The one helper for small whole-file writes
 * (content files, exports, keys, credentials). Errors are AppErrors with a Chinese message
 * (disk full included); the temp file is removed on failure.
 */
export async function writeFileDurably(file: string, bytes: Buffer | string, options: WriteDurablyOptions = {}): Promise<void> {
  const target = path.resolve(file);
  try {
    await replaceDurably(target, options.tmpDir ?? path.dirname(target), options.mode ?? 0o644, (handle) => handle.writeFile(bytes));
  } catch (e) {
    throw writeFailedError(target, e);
  }
}

/**
 * The same for a file of any size, streamed: copied to a temp file beside `to` (hashed on
 * the way), fsynced, renamed, the folder fsynced. Returns what was copied. Errors are raw
 * (the caller says which drive, e.g. a mirror drive removed or full).
 */
export async function copyFileDurably(from: string, to: string): Promise<{ size: number; sha256: string }> {
  const target = path.resolve(to);
  const hash = createHash('sha256');
  let size = 0;
  const source = await fsp.open(from, 'r');
  try {
    await replaceDurably(target, path.dirname(target), 0o600, async (handle) => {
      const buffer = Buffer.allocUnsafe(1024 * 1024);
      for (;;) {
        const { bytesRead } = await source.read(buffer, 0, buffer.length, null);
        if (bytesRead === 0) break;
        const part = buffer.subarray(0, bytesRead);
        hash.update(part);
        for (let at = 0; at < bytesRead; ) at += (await handle.write(part, at)).bytesWritten;
        size += bytesRead;
      }
    });
  } finally {
    await source.close();
  }
  return { size, sha256: hash.digest('hex') };
}

/** temp in `tmpDir` → `write` → fsync → rename over `target` → fsync of its folder; the temp goes on failure. */
async function replaceDurably(target: string, tmpDir: string, mode: number, write: (handle: fsp.FileHandle) => Promise<void>): Promise<void> {
  const dir = path.dirname(target);
  const tmp = path.join(tmpDir, `${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}${DURABLE_TEMP_SUFFIX}`);
  try {
    await fsp.mkdir(dir, { recursive: true });
    const handle = await fsp.open(tmp, 'wx', mode);
    try {
      await write(handle);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fsp.rename(tmp, target);
    await syncDirectory(dir);
  } catch (e) {
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
}

/** Makes a rename or a new file in `dir` durable. Windows has no folder fsync (its rename is journaled). */
export async function syncDirectory(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await fsp.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Removes the temp files an interrupted writeFileDurably left in `dir`; returns how many. */
export async function sweepDurableTemps(dir: string): Promise<number> {
  const names = await fsp.readdir(dir).catch(() => [] as string[]);
  let removed = 0;
  for (const name of names) {
    if (!name.endsWith(DURABLE_TEMP_SUFFIX)) continue;
    await fsp.rm(path.join(dir, name), { force: true });
    removed++;
  }
  return removed;
}
