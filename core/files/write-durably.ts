import { randomBytes } from 'node:crypto';
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
  const dir = path.dirname(target);
  const tmp = path.join(options.tmpDir ?? dir, `${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}${DURABLE_TEMP_SUFFIX}`);
  try {
    await fsp.mkdir(dir, { recursive: true });
    const handle = await fsp.open(tmp, 'wx', options.mode ?? 0o644);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fsp.rename(tmp, target);
    await syncDirectory(dir);
  } catch (e) {
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw writeFailedError(target, e);
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
