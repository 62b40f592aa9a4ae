import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ZipArchive } from 'archiver';
import { BAK_DB_ENTRY, BAK_FILES_PREFIX, BAK_MANIFEST_ENTRY, bakPrefix, type BakHeader, type BakManifest } from './bak-format';
import { ChunkSealer } from './chunk-sealer';

/** One file of the frozen snapshot and its name in the backup. */
export interface SnapshotFile {
  readonly name: string;
  readonly file: string;
}

export interface BackupContent {
  readonly header: BakHeader;
  readonly key: Buffer;
  /** Everything but the entry list, which is computed while streaming. */
  readonly manifest: Omit<BakManifest, 'entries'>;
  readonly files: readonly SnapshotFile[];
}

/**
 * Streams the snapshot into `target` (a temporary name): archiver (entries stored, the
 * files are mostly compressed packages already) → ChunkSealer → file, hashing each entry
 * on the way and appending the manifest last. archiver's warnings count as errors and
 * the file is fsynced after its stream closed (the traps in DESIGN.md).
 */
export async function writeBackup(content: BackupContent, target: string): Promise<void> {
  const archive = new ZipArchive({ store: true, forceZip64: false });
  const sealer = new ChunkSealer(content.key, bakPrefix(content.header));
  const out = fs.createWriteStream(target, { flags: 'wx', mode: 0o600 });
  let warning: Error | null = null;
  archive.on('warning', (err: Error) => {
    warning = err;
    archive.abort();
  });
  const written = pipeline(archive, sealer, out);
  const entries: BakManifest['entries'] = [];
  try {
    for (const f of content.files) {
      const hash = createHash('sha256');
      let size = 0;
      const hashing = new Transform({
        transform(chunk: Buffer, _enc, next) {
          hash.update(chunk);
          size += chunk.length;
          next(null, chunk);
        },
      });
      // Settles once archiver has read `hashing` to its end; a read error (a file gone) rejects it.
      const done = pipeline(fs.createReadStream(f.file, { highWaterMark: 1024 * 1024 }), hashing);
      archive.append(hashing, { name: f.name });
      // archiver reads its queue in order: this entry is complete before the next starts.
      await done;
      entries.push({ name: f.name, size, sha256: hash.digest('hex') });
    }
    const manifest: BakManifest = { ...content.manifest, entries };
    archive.append(Buffer.from(JSON.stringify(manifest), 'utf8'), { name: BAK_MANIFEST_ENTRY });
    await archive.finalize();
    await written;
  } catch (e) {
    archive.abort();
    await written.catch(() => undefined);
    throw warning ?? e;
  }
  if (warning) throw warning;
  const handle = await fsp.open(target, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** The files of a snapshot folder (db + participant folders), in a stable order. */
export function snapshotFiles(snapshotDir: string, folders: readonly string[]): SnapshotFile[] {
  const files: SnapshotFile[] = [{ name: BAK_DB_ENTRY, file: path.join(snapshotDir, BAK_DB_ENTRY) }];
  for (const folder of folders) {
    const root = path.join(snapshotDir, BAK_FILES_PREFIX, folder);
    if (!fs.existsSync(root)) continue;
    const walk = (dir: string): void => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
        const p = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(p);
        else if (entry.isFile()) files.push({ name: path.relative(snapshotDir, p).split(path.sep).join('/'), file: p });
      }
    };
    walk(root);
  }
  return files;
}

/** A temporary name beside the final one (same folder: the rename is atomic). */
export function temporaryNameFor(final: string): string {
  return path.join(path.dirname(final), `.${path.basename(final)}.${randomBytes(4).toString('hex')}.part`);
}

/** A name `temporaryNameFor` gives (`.<name>.bak.<8 hex>.part`). */
export function isTemporaryBackupName(name: string): boolean {
  return /^\..+\.bak\.[0-9a-f]{8}\.part$/i.test(name);
}
