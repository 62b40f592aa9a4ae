import { createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Writable, type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type yauzl from 'yauzl';
import { TrustError } from '../../../../core/crypto/trust-error';
import { BAK_DB_ENTRY, BAK_FILES_PREFIX, BAK_MANIFEST_ENTRY, bakManifestSchema, safeEntryName, type BakHeader, type BakManifest } from './bak-format';
import { BAK_DAMAGED_MESSAGE, SealedBackupFile } from './sealed-backup-file';

/** Where one entry's bytes go while they are checked (restore: a staged file). */
export type EntrySink = (name: string) => Promise<Writable>;

/**
 * The files a mirror snapshot lists beside itself (`manifest.external`), under `root`.
 * `read: false` checks the list only (the mirror writer hashed each file as it copied it);
 * a restore reads and hashes every one.
 */
export interface ExternalFiles {
  readonly root: string;
  readonly read: boolean;
}

export interface VerifyOptions {
  /** A restore: may refuse the manifest, and receives each entry's bytes as they are checked. */
  readonly staging?: { accept(manifest: BakManifest): void; sink: EntrySink };
  /** A mirror folder's snapshot; without it a manifest that lists external files is refused. */
  readonly external?: ExternalFiles;
}

export const MIRROR_INCOMPLETE_MESSAGE = (name: string): string =>
  `镜像文件夹不完整或已被改动（${name}），无法恢复；请选择完整的镜像文件夹，或选择系统备份生成的 .bak 文件`;

const MANIFEST_MAX_BYTES = 64 * 1024 * 1024;

/**
 * Reads a sealed .bak through: every chunk authentic, the manifest valid and agreeing with
 * the header, every entry listed with its size and SHA-256 and nothing else in the zip
 * (and, for a mirror snapshot, every external file too). `staging`, when given, may refuse
 * the manifest and receives each entry's bytes as they are checked (a restore); a later
 * failure means the caller throws the staged copy away.
 */
export async function verifyBackup(file: string, key: Buffer, prefix: Buffer, size: number, header: BakHeader, options: VerifyOptions = {}): Promise<BakManifest> {
  const { staging, external } = options;
  const sealed = await SealedBackupFile.open(file, key, prefix, size);
  let zip: yauzl.ZipFile | null = null;
  try {
    zip = await sealed.zip();
    const entries = await listEntries(zip);
    const manifestEntry = entries.get(BAK_MANIFEST_ENTRY);
    if (!manifestEntry || manifestEntry.uncompressedSize > MANIFEST_MAX_BYTES) throw damaged();
    const manifest = parseManifest(await readAll(await openEntry(zip, manifestEntry)));
    if (!agreesWithHeader(manifest, header) || !coherent(manifest)) throw damaged();
    if (manifest.external !== undefined && !external) throw new TrustError('BACKUP_DAMAGED', MIRROR_SNAPSHOT_ALONE_MESSAGE);
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
    if (external) await verifyExternal(manifest, listed, external, staging?.sink);
    return manifest;
  } finally {
    zip?.close();
    await sealed.close();
  }
}

const MIRROR_SNAPSHOT_ALONE_MESSAGE = '所选文件是镜像文件夹中的数据库快照，不能单独恢复；请选择整个镜像文件夹';

/** A mirror snapshot's external files: each listed once, within a listed folder, its size and SHA-256 as listed. */
async function verifyExternal(manifest: BakManifest, inZip: ReadonlyMap<string, unknown>, external: ExternalFiles, sink: EntrySink | undefined): Promise<void> {
  const files = manifest.external ?? [];
  const names = new Set(files.map((f) => f.name));
  if (names.size !== files.length) throw damaged();
  for (const f of files) {
    if (!safeEntryName(f.name) || f.name === BAK_DB_ENTRY || !withinListedFolder(f.name, manifest) || inZip.has(f.name)) throw damaged();
  }
  if (!external.read) return;
  for (const f of files) {
    const source = path.join(external.root, ...f.name.split('/'));
    const stat = await fsp.stat(source).catch(() => null);
    if (!stat || !stat.isFile() || stat.size !== f.size) throw new TrustError('BACKUP_DAMAGED', MIRROR_INCOMPLETE_MESSAGE(f.name));
    const hash = createHash('sha256');
    const hashing = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        done(null, chunk);
      },
    });
    await pipeline(fs.createReadStream(source, { highWaterMark: 1024 * 1024 }), hashing, sink ? await sink(f.name) : discard());
    if (hash.digest('hex') !== f.sha256) throw new TrustError('BACKUP_DAMAGED', MIRROR_INCOMPLETE_MESSAGE(f.name));
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
