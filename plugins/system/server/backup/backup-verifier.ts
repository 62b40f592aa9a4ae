import { createHash } from 'node:crypto';
import { Writable, type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type yauzl from 'yauzl';
import { TrustError } from '../../../../core/crypto/trust-error';
import { BAK_DB_ENTRY, BAK_FILES_PREFIX, BAK_MANIFEST_ENTRY, bakManifestSchema, safeEntryName, type BakHeader, type BakManifest } from './bak-format';
import { BAK_DAMAGED_MESSAGE, SealedBackupFile } from './sealed-backup-file';

/** Where one entry's bytes go while they are checked (restore: a staged file). */
export type EntrySink = (name: string) => Promise<Writable>;

const MANIFEST_MAX_BYTES = 64 * 1024 * 1024;

/**
 * Reads a sealed .bak through: every chunk authentic, the manifest valid and agreeing with
 * the header, every entry listed with its size and SHA-256 and nothing else in the zip.
 * `staging`, when given, may refuse the manifest and receives each entry's bytes as they
 * are checked (a restore); a later failure means the caller throws the staged copy away.
 */
export async function verifyBackup(
  file: string,
  key: Buffer,
  prefix: Buffer,
  size: number,
  header: BakHeader,
  staging?: { accept(manifest: BakManifest): void; sink: EntrySink },
): Promise<BakManifest> {
  const sealed = await SealedBackupFile.open(file, key, prefix, size);
  let zip: yauzl.ZipFile | null = null;
  try {
    zip = await sealed.zip();
    const entries = await listEntries(zip);
    const manifestEntry = entries.get(BAK_MANIFEST_ENTRY);
    if (!manifestEntry || manifestEntry.uncompressedSize > MANIFEST_MAX_BYTES) throw damaged();
    const manifest = parseManifest(await readAll(await openEntry(zip, manifestEntry)));
    if (!agreesWithHeader(manifest, header) || !coherent(manifest)) throw damaged();
    // Refusals that need the manifest (a newer schema, unknown data) come before any byte is staged.
    staging?.accept(manifest);
    const listed = new Map(manifest.entries.map((e) => [e.name, e]));
    if (listed.size !== manifest.entries.length || entries.size !== listed.size + 1) throw damaged();
    for (const [name, entry] of entries) {
      if (name === BAK_MANIFEST_ENTRY) continue;
      const expected = listed.get(name);
      if (!expected || !safeEntryName(name) || !withinListedFolder(name, manifest) || entry.uncompressedSize !== expected.size) throw damaged();
      const hash = createHash('sha256');
      const hashing = new Transform({
        transform(chunk: Buffer, _enc, done) {
          hash.update(chunk);
          done(null, chunk);
        },
      });
      const target = staging ? await staging.sink(name) : discard();
      try {
        await pipeline(await openEntry(zip, entry), hashing, target);
      } catch (cause) {
        // A disk problem while staging is not a damaged backup: the caller says what it is.
        if (cause instanceof TrustError || isErrno(cause)) throw cause;
        throw new TrustError('BACKUP_DAMAGED', BAK_DAMAGED_MESSAGE, { cause });
      }
      if (hash.digest('hex') !== expected.sha256) throw damaged();
    }
    // Chunks only the zip's own bookkeeping lives in are opened here, so every one is checked.
    for (let i = 0; i < sealed.chunkCount && !sealed.allChunksAuthenticated(); i++) await sealed.chunk(i);
    return manifest;
  } finally {
    zip?.close();
    await sealed.close();
  }
}

function agreesWithHeader(m: BakManifest, h: BakHeader): boolean {
  return m.siteCode === h.siteCode && m.mode === h.mode && m.createdAt === h.createdAt && m.note === h.note && m.productVersion === h.productVersion;
}

/** The writer lists each folder and each migration once, every folder a safe relative path. */
function coherent(m: BakManifest): boolean {
  const folders = new Set(m.folders);
  return folders.size === m.folders.length && m.folders.every(safeEntryName) && new Set(m.database.migrations).size === m.database.migrations.length;
}

/**
 * The database, or a file of a folder the manifest lists: a manifest that leaves out the
 * folder of files it carries (found by the fuzzer, resealed with the site's key) does not
 * describe this backup, even though the restore would place the files by its own list.
 */
function withinListedFolder(name: string, m: BakManifest): boolean {
  return name === BAK_DB_ENTRY || (name.startsWith(BAK_FILES_PREFIX) && m.folders.some((f) => name.startsWith(`${BAK_FILES_PREFIX}${f}/`)));
}

function damaged(): TrustError {
  return new TrustError('BACKUP_DAMAGED', BAK_DAMAGED_MESSAGE);
}

function parseManifest(bytes: Buffer): BakManifest {
  try {
    return bakManifestSchema.parse(JSON.parse(bytes.toString('utf8')));
  } catch {
    throw damaged();
  }
}

function listEntries(zip: yauzl.ZipFile): Promise<Map<string, yauzl.Entry>> {
  return new Promise((resolve, reject) => {
    const out = new Map<string, yauzl.Entry>();
    zip.on('entry', (entry: yauzl.Entry) => {
      if (out.has(entry.fileName)) {
        reject(damaged());
        return;
      }
      out.set(entry.fileName, entry);
      zip.readEntry();
    });
    zip.once('end', () => resolve(out));
    zip.once('error', (err: unknown) => reject(new TrustError('BACKUP_DAMAGED', BAK_DAMAGED_MESSAGE, { cause: err })));
    zip.readEntry();
  });
}

function openEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Readable> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => {
      if (err || !stream) reject(new TrustError('BACKUP_DAMAGED', BAK_DAMAGED_MESSAGE, { cause: err }));
      else resolve(stream);
    });
  });
}

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

function discard(): Writable {
  return new Writable({
    write(_chunk, _enc, done) {
      done();
    },
  });
}

function isErrno(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).syscall === 'string';
}
