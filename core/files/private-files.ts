import fs from 'node:fs';

/**
 * Owner-only modes for the data directory (0700) and for the database and secret files
 * (0600), whatever the process umask: candidate PCs share the LAN and, on a shared site PC,
 * other accounts must not read the database or the keys. Windows has no POSIX modes (its
 * ACLs follow the user profile), so these are no-ops there.
 */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

const posix = process.platform !== 'win32';

/** Creates `dir` (and parents) if missing and makes `dir` itself 0700. */
export function ensurePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  // mkdir's mode is filtered by the umask and leaves an existing folder as it was.
  if (posix) fs.chmodSync(dir, PRIVATE_DIR_MODE);
}

/** Creates `file` empty if missing (0600) and makes it 0600; its content is untouched. */
export function ensurePrivateFile(file: string): void {
  const fd = fs.openSync(file, fs.constants.O_CREAT | fs.constants.O_RDWR, PRIVATE_FILE_MODE);
  try {
    if (posix) fs.fchmodSync(fd, PRIVATE_FILE_MODE);
  } finally {
    fs.closeSync(fd);
  }
}

/** Makes `file` 0600 if it exists (files created by a library, e.g. SQLite's -wal and -shm). */
export function restrictIfPresent(file: string): void {
  if (!posix) return;
  try {
    fs.chmodSync(file, PRIVATE_FILE_MODE);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}
