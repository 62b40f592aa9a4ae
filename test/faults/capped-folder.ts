import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** Root on Linux: the only honest way to fill a disk is a small tmpfs of our own. */
export const CAN_CAP_FOLDERS = process.platform === 'linux' && process.getuid?.() === 0;

/**
 * A size-capped folder (issue 15 point 2): a tmpfs mounted on `dir`, filled by a filler
 * file until only `freeBytes` are left; `free()` removes the filler ("the administrator
 * cleaned the disk").
 */
export class CappedFolder {
  private readonly filler: string;

  private constructor(readonly dir: string) {
    this.filler = path.join(dir, 'filler-of-the-disk-full-test.bin');
  }

  static mount(dir: string, sizeBytes: number): CappedFolder {
    fs.mkdirSync(dir, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes}`, 'tmpfs', dir]);
    return new CappedFolder(dir);
  }

  /** Leaves about `freeBytes` free (tmpfs counts whole pages). */
  fill(freeBytes: number): void {
    const { bavail, bsize } = fs.statfsSync(this.dir);
    const size = Math.max(0, bavail * bsize - freeBytes);
    fs.writeFileSync(this.filler, Buffer.alloc(size));
  }

  free(): void {
    fs.rmSync(this.filler, { force: true });
  }

  unmount(): void {
    execFileSync('umount', ['-l', this.dir]);
  }
}
