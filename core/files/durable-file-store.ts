import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { badRequest, tooLarge } from '../http/errors';
import { formatBytes } from '../http/body';
import type { Store } from '../store/store';
import { isoNow } from '../store/columns';
import type { EntityManager } from 'typeorm';
import { DurableSink, containedPath, moveIntoPlace, type DeclaredFile } from './durable-sink';
import { diskFullError, isDiskFull } from './file-errors';
import { DURABLE_TEMP_SUFFIX, sweepDurableTemps, syncDirectory, writeFileDurably, type WriteDurablyOptions } from './write-durably';
import { instantSchema } from '../time/instant';

/** Ids name partial uploads on disk: plain, short, no path characters. */
const sinkIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, '上传编号只能由字母、数字、下划线和连字符组成（最多 128 个字符）');

const metaSchema = z
  .object({
    v: z.literal(1),
    id: z.string(),
    size: z.number().int().min(0),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    createdAt: instantSchema,
  })
  .strict();

const PART = '.part';
const META = '.json';

export interface DurableFileStoreOptions {
  /** Largest file a sink accepts (declared size). */
  readonly maxFileBytes: number;
}

export const DEFAULT_MAX_FILE_BYTES = 4 * 1024 * 1024 * 1024;

/**
 * A plugin's durable files (`<dataDir>/plugins/<id>/`): resumable hashed sinks for uploads
 * of any protocol, durable whole-file writes, and the sweep of what a crash left behind.
 * Partial uploads live in `.partial/` until committed; small temp files in `.tmp/`.
 */
export class DurableFileStore {
  readonly tmpDir: string;
  private readonly partialDir: string;
  private readonly open = new Map<string, Promise<DurableSink>>();

  private constructor(
    readonly dir: string,
    private readonly store: Store,
    private readonly options: DurableFileStoreOptions,
  ) {
    this.tmpDir = path.join(dir, '.tmp');
    this.partialDir = path.join(dir, '.partial');
  }

  /** Creates the folders and sweeps what an interrupted run left (see `sweepAtStart`). */
  static async openAt(dir: string, store: Store, options: Partial<DurableFileStoreOptions> = {}): Promise<DurableFileStore> {
    const files = new DurableFileStore(dir, store, { maxFileBytes: options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES });
    await fsp.mkdir(files.tmpDir, { recursive: true });
    await fsp.mkdir(files.partialDir, { recursive: true });
    await files.sweepAtStart();
    return files;
  }

  /**
   * Starts or resumes the sink `id`. Resuming needs the same declaration; a different one
   * (the sender changed its file) discards the old partial bytes and starts at 0.
   */
  begin(id: string, declared: DeclaredFile): Promise<DurableSink> {
    const checkedId = this.checkId(id);
    const decl = this.checkDeclared(declared);
    const existing = this.open.get(checkedId);
    const next = (existing ?? Promise.resolve(null)).then(async (sink): Promise<DurableSink> => {
      if (sink && !sink.finished && sink.declared.size === decl.size && sink.declared.sha256 === decl.sha256) return sink;
      if (sink && !sink.finished) await sink.abandon();
      return this.openSink(checkedId, decl);
    });
    this.open.set(checkedId, next);
    next.catch(() => this.open.delete(checkedId));
    return next;
  }

  /** The sink `id` if an unfinished upload exists (in this process or on disk), else null. */
  async find(id: string): Promise<DurableSink | null> {
    const checkedId = this.checkId(id);
    const pending = this.open.get(checkedId);
    if (pending) return pending;
    const meta = await this.readMeta(checkedId);
    return meta ? this.begin(checkedId, meta) : null;
  }

  /** Absolute path of a committed file, refusing names that would leave the folder. */
  pathOf(relative: string): string {
    return containedPath(this.dir, relative);
  }

  /**
   * Moves a complete file that is already inside this folder (a finished sink's
   * `tempPath`, a checked import) to `relativeTarget`, with `work` in the same unit of work.
   */
  adopt<T>(file: string, relativeTarget: string, work: (em: EntityManager, finalPath: string) => Promise<T>): Promise<T> {
    if (!this.contains(file)) throw new Error(`file outside the plugin folder: ${file}`);
    return moveIntoPlace(this.store, path.resolve(file), this.pathOf(relativeTarget), work);
  }

  /**
   * Receives a whole stream whose hash nobody declared (a browser import) into a temp file
   * of this folder: written, hashed and fsynced in one pass; at most `maxBytes` (413).
   * The caller adopts the file or removes it; a crash leaves it to the start sweep.
   */
  async receiveWhole(source: AsyncIterable<Buffer>, maxBytes: number): Promise<{ path: string; size: number; sha256: string }> {
    const file = path.join(this.tmpDir, `receive.${process.pid}.${randomBytes(8).toString('hex')}${DURABLE_TEMP_SUFFIX}`);
    const hash = createHash('sha256');
    let size = 0;
    const handle = await fsp.open(file, 'wx');
    try {
      for await (const chunk of source) {
        size += chunk.length;
        if (size > maxBytes) throw tooLarge('UPLOAD_TOO_LARGE', `文件超过上限 ${formatBytes(maxBytes)}，请确认所选文件是否正确`);
        hash.update(chunk);
        // A nearly full disk takes part of a write without an error: write the rest, so the
        // next write says ENOSPC (else the file is silently short, "truncated", issue 15).
        for (let done = 0; done < chunk.length; ) done += (await handle.write(chunk, done, chunk.length - done)).bytesWritten;
      }
      await handle.sync();
    } catch (e) {
      await handle.close();
      await fsp.rm(file, { force: true });
      if (isDiskFull(e)) throw diskFullError('导入的文件', null);
      throw e;
    }
    await handle.close();
    return { path: file, size, sha256: hash.digest('hex') };
  }

  /** True when `file` lies inside this plugin's folder. */
  contains(file: string): boolean {
    return path.resolve(file).startsWith(path.resolve(this.dir) + path.sep);
  }

  /** writeFileDurably inside this plugin's folder (temp in `.tmp/`). */
  async writeDurably(relative: string, bytes: Buffer | string, options: Omit<WriteDurablyOptions, 'tmpDir'> = {}): Promise<string> {
    const file = this.pathOf(relative);
    await writeFileDurably(file, bytes, { ...options, tmpDir: this.tmpDir });
    return file;
  }

  /**
   * Removes committed files under `folder` that no database row refers to (left by a crash
   * between the rename and the commit). `keep` gets paths relative to the plugin folder.
   */
  async sweepUnreferenced(folder: string, keep: (relative: string) => boolean): Promise<number> {
    const base = this.pathOf(folder);
    let removed = 0;
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await fsp.readdir(dir, { withFileTypes: true }).catch(() => [])) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) await walk(full);
        else if (!keep(path.relative(this.dir, full).split(path.sep).join('/'))) {
          await fsp.rm(full, { force: true });
          removed++;
        }
      }
    };
    await walk(base);
    return removed;
  }

  /** Temp files of durable writes always go; partial uploads stay unless half of a pair is missing. */
  private async sweepAtStart(): Promise<void> {
    await sweepDurableTemps(this.tmpDir);
    const names = new Set(await fsp.readdir(this.partialDir));
    for (const name of names) {
      const base = name.endsWith(PART) ? name.slice(0, -PART.length) : name.endsWith(META) ? name.slice(0, -META.length) : null;
      const orphan = base === null || !names.has(base + PART) || !names.has(base + META) || (name.endsWith(META) && !(await this.readMeta(base)));
      if (orphan) {
        await fsp.rm(path.join(this.partialDir, name), { force: true });
        if (base !== null) await fsp.rm(path.join(this.partialDir, base + PART), { force: true });
      }
    }
  }

  private async openSink(id: string, declared: DeclaredFile): Promise<DurableSink> {
    const paths = { part: path.join(this.partialDir, id + PART), meta: path.join(this.partialDir, id + META) };
    const meta = await this.readMeta(id);
    let length = 0;
    if (meta && meta.size === declared.size && meta.sha256 === declared.sha256) {
      length = (await fsp.stat(paths.part).catch(() => null))?.size ?? 0;
      if (length > declared.size) length = 0;
    }
    if (length === 0) {
      await writeFileDurably(paths.meta, JSON.stringify({ v: 1, id, size: declared.size, sha256: declared.sha256, createdAt: isoNow() }), {
        tmpDir: this.tmpDir,
      });
      const handle = await fsp.open(paths.part, 'w');
      await handle.close();
      await syncDirectory(this.partialDir);
    }
    const sink = new DurableSink(id, declared, paths, this.store, this.dir, length, (done) => this.open.delete(done));
    // All bytes already there (a restart after the last byte): check the hash now.
    if (length === declared.size) await sink.append([], length);
    return sink;
  }

  private async readMeta(id: string): Promise<DeclaredFile | null> {
    const text = await fsp.readFile(path.join(this.partialDir, id + META), 'utf8').catch(() => null);
    if (text === null) return null;
    try {
      const parsed = metaSchema.safeParse(JSON.parse(text));
      return parsed.success ? { size: parsed.data.size, sha256: parsed.data.sha256 } : null;
    } catch {
      return null;
    }
  }

  private checkId(id: string): string {
    const r = sinkIdSchema.safeParse(id);
    if (!r.success) throw badRequest('UPLOAD_ID_INVALID', r.error.issues[0]?.message ?? '上传编号无效');
    return r.data;
  }

  private checkDeclared(declared: DeclaredFile): DeclaredFile {
    if (!Number.isSafeInteger(declared.size) || declared.size < 0) throw badRequest('UPLOAD_SIZE_INVALID', '声明的文件大小应为非负整数（字节）');
    if (declared.size > this.options.maxFileBytes) {
      throw tooLarge('UPLOAD_TOO_LARGE', `文件大小 ${formatBytes(declared.size)} 超过上限 ${formatBytes(this.options.maxFileBytes)}，请确认所选文件是否正确`);
    }
    if (!/^[0-9a-f]{64}$/.test(declared.sha256)) throw badRequest('UPLOAD_SHA256_INVALID', '声明的 SHA-256 应为 64 位小写十六进制');
    return { size: declared.size, sha256: declared.sha256 };
  }
}
