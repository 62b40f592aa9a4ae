import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { copyFileDurably, syncDirectory, writeFileDurably } from '../../../../core/files/write-durably';
import { isDiskFull } from '../../../../core/files/file-errors';
import { TrustError } from '../../../../core/crypto/trust-error';
import { AppError, badRequest, conflict } from '../../../../core/http/errors';
import type { DataParticipants } from '../../../../core/lifecycle/data-participants';
import type { Store } from '../../../../core/store/store';
import { BAK_FILES_PREFIX, MIRROR_SNAPSHOT_NAME, type BakManifest } from '../backup/bak-format';
import { checkBackupFolder } from '../backup/backup-folder';
import { SNAPSHOT_PREFIX, manifestFrame, type BackupService } from '../backup/backup-service';
import { verifyBackup } from '../backup/backup-verifier';
import { snapshotFiles, temporaryNameFor, writeBackup } from '../backup/backup-writer';
import { readBakHeader } from '../backup/sealed-backup-file';
import type { MirrorStatus } from '../../api/mirror';

export interface MirrorServiceOptions {
  readonly store: Store;
  readonly participants: DataParticipants;
  readonly backups: BackupService;
  readonly dataDir: string;
  /** Scratch folder inside the data folder (hard links need the same file system). */
  readonly workDir: string;
  /** Where the chosen folder is remembered (this PC's setting: not part of a backup). */
  readonly settingFile: string;
  readonly logError: (err: unknown, what: string) => void;
  /** How long changes are gathered before a run (ms). */
  readonly debounceMs?: number;
  /** How soon a failed run is tried again (ms): the drive may come back. */
  readonly retryMs?: number;
}

const settingSchema = z.object({ folder: z.string().min(1).max(1024).nullable() }).strict();

/** A mirrored file as it was copied: the source's identity, so an unchanged file is not copied again. */
interface Mirrored {
  readonly size: number;
  readonly sha256: string;
  readonly source: string;
}

/**
 * 持续保护 (issue 13 point 7, ADR 021): a folder, usually on an external drive, that follows
 * the site's data within seconds of each committed change. After a change (debounced) it
 * freezes the same consistent snapshot a 系统备份 takes (VACUUM INTO + hard links while
 * writes are held), copies the participants' files it does not hold yet durably (temp →
 * fsync → rename), then replaces `考点镜像.bak` — the database and the list of every file
 * with its SHA-256, sealed like a .bak — the same durable way, and only then drops files no
 * longer listed. It never runs on a request's path and never fails one: a removed or full
 * drive is a status with a Chinese message, tried again every few seconds.
 * 系统恢复 takes the folder like a .bak (restore-service.ts, every check a .bak gets).
 */
export class MirrorService {
  private folder: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private dirty = false;
  private stopped = false;
  private suspended = 0;
  /** When the oldest change not yet in the mirror was committed. */
  private changedAt: number | null = null;
  private readonly mirrored = new Map<string, Mirrored>();
  private last: { at: string | null; lagMs: number | null; error: string | null } = { at: null, lagMs: null, error: null };
  private readonly unsubscribe: () => void;

  constructor(private readonly o: MirrorServiceOptions) {
    this.folder = readSetting(o.settingFile);
    this.unsubscribe = o.store.onCommitted(() => this.changed());
    // Catch up at start: changes of the last run (or of a restore) may not be in the mirror yet.
    if (this.folder) this.changed();
  }

  status(): MirrorStatus {
    const state = !this.folder ? 'off' : this.last.error ? 'error' : this.changedAt !== null || this.last.at === null ? 'pending' : 'ok';
    return { folder: this.folder, state, lastMirroredAt: this.last.at, lagMs: this.last.lagMs, error: this.last.error, files: this.mirrored.size };
  }

  /**
   * Chooses the mirror folder (null: no mirror). It must be a full path to a writable folder
   * that is empty or already this site's mirror (files no longer listed get deleted there).
   */
  async configure(folder: string | null): Promise<MirrorStatus> {
    let dir: string | null = null;
    if (folder !== null && this.o.store.dialect !== 'sqlite') {
      throw conflict('MIRROR_POSTGRES_UNSUPPORTED', '当前使用 PostgreSQL 数据库，镜像文件夹无法保存一致的数据库快照；请由数据库管理员配置数据库的复制或定时 pg_dump');
    }
    if (folder !== null) {
      dir = await checkBackupFolder(folder, true);
      const names = (await fsp.readdir(dir)).filter((n) => !n.startsWith('.'));
      if (names.length > 0 && !names.includes(MIRROR_SNAPSHOT_NAME)) {
        throw badRequest('MIRROR_FOLDER_NOT_EMPTY', `镜像文件夹 ${dir} 中已有其他文件，请选择一个空文件夹（建议在外接存储设备上新建一个文件夹）`);
      }
      if (names.includes(MIRROR_SNAPSHOT_NAME)) await this.assertOurs(path.join(dir, MIRROR_SNAPSHOT_NAME));
    }
    await this.settle();
    await writeFileDurably(this.o.settingFile, JSON.stringify({ folder: dir }));
    this.folder = dir;
    this.mirrored.clear();
    this.last = { at: null, lagMs: null, error: null };
    this.changedAt = null;
    if (dir) this.changed();
    return this.status();
  }

  /** Runs `work` (a restore reading the mirror) with no mirror run in flight or starting. */
  async suspend<T>(work: () => Promise<T>): Promise<T> {
    this.suspended++;
    try {
      await this.settle();
      return await work();
    } finally {
      this.suspended--;
      if (this.dirty) this.schedule(0);
    }
  }

  /** At shutdown: the run in flight finishes, nothing starts after. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.settle();
  }

  /** Resolves once no run is in flight. */
  async settle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** For tests and the status: resolves once the mirror holds every change committed so far (or failed). */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
      this.start();
    }
    await this.settle();
  }

  private changed(): void {
    if (!this.folder || this.stopped) return;
    this.changedAt ??= Date.now();
    this.dirty = true;
    this.schedule(this.o.debounceMs ?? 300);
  }

  private schedule(delayMs: number): void {
    if (this.stopped || this.timer || this.running || this.suspended > 0) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.start();
    }, delayMs);
    this.timer.unref();
  }

  private start(): void {
    if (this.running || this.stopped || this.suspended > 0 || !this.folder) return;
    this.dirty = false;
    const since = this.changedAt ?? Date.now();
    const folder = this.folder;
    this.running = this.runOnce(folder)
      .then(() => {
        const at = new Date();
        this.last = { at: at.toISOString(), lagMs: Math.max(0, at.getTime() - since), error: null };
        if (!this.dirty) this.changedAt = null;
      })
      .catch((e: unknown) => {
        this.last = { ...this.last, error: mirrorErrorMessage(folder, e) };
        this.dirty = true;
        this.o.logError(e, '镜像文件夹同步失败');
      })
      .finally(() => {
        this.running = null;
        if (this.dirty) this.schedule(this.last.error ? (this.o.retryMs ?? 5000) : 0);
      });
  }

  private async runOnce(folder: string): Promise<void> {
    const stat = await fsp.stat(folder).catch(() => null);
    if (!stat?.isDirectory()) throw Object.assign(new Error('mirror folder missing'), { code: 'ENOENT' });
    const { key, header } = await this.o.backups.describe('镜像');
    const snapshot = path.join(this.o.workDir, `${SNAPSHOT_PREFIX}mirror-${randomBytes(4).toString('hex')}`);
    const folders = this.o.participants.folders();
    try {
      const migrations = await this.o.backups.freeze(snapshot, folders);
      const [db, ...files] = snapshotFiles(snapshot, folders);
      const external: NonNullable<BakManifest['external']> = [];
      for (const f of files) external.push({ name: f.name, ...(await this.copyIfNew(f.file, path.join(folder, ...f.name.split('/')), f.name)) });
      const final = path.join(folder, MIRROR_SNAPSHOT_NAME);
      const tmp = temporaryNameFor(final);
      try {
        await writeBackup({ header, key, manifest: { ...manifestFrame(header, migrations, folders), external }, files: [db!] }, tmp);
        const { prefix, size } = await readBakHeader(tmp);
        // Read back: every chunk, the database's hash and the list (each file was hashed as it was copied).
        await verifyBackup(tmp, key, prefix, size, header, { external: { root: folder, read: false } });
        await fsp.rename(tmp, final);
        await syncDirectory(folder);
      } catch (e) {
        await fsp.rm(tmp, { force: true });
        throw e;
      }
      await this.dropUnlisted(folder, new Set(external.map((e) => e.name)));
    } finally {
      await fsp.rm(snapshot, { recursive: true, force: true });
    }
  }

  /** Copies a file the mirror does not hold yet; the site's files are replaced, never edited, so size + inode + mtime say "the same". */
  private async copyIfNew(source: string, target: string, name: string): Promise<{ size: number; sha256: string }> {
    const s = await fsp.stat(source);
    const identity = `${s.ino}:${s.size}:${s.mtimeMs}`;
    const known = this.mirrored.get(name);
    if (known && known.source === identity) {
      const t = await fsp.stat(target).catch(() => null);
      if (t && t.size === known.size) return { size: known.size, sha256: known.sha256 };
    }
    const copied = await copyFileDurably(source, target);
    this.mirrored.set(name, { ...copied, source: identity });
    return copied;
  }

  /** Files of the site's folders in the mirror that the new snapshot no longer lists (data cleared or replaced). */
  private async dropUnlisted(folder: string, listed: ReadonlySet<string>): Promise<void> {
    for (const name of [...this.mirrored.keys()]) if (!listed.has(name)) this.mirrored.delete(name);
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await fsp.readdir(dir, { withFileTypes: true }).catch(() => [] as fs.Dirent[])) {
        const p = path.join(dir, entry.name);
        if (entry.isDirectory()) await walk(p);
        else if (!listed.has(path.relative(folder, p).split(path.sep).join('/'))) await fsp.rm(p, { force: true });
      }
    };
    await walk(path.join(folder, BAK_FILES_PREFIX));
  }

  private async assertOurs(snapshot: string): Promise<void> {
    const ours = await this.o.backups.describe('镜像').catch(() => null);
    const theirs = await readBakHeader(snapshot).catch(() => null);
    if (!theirs || (ours && theirs.header.siteCode !== ours.header.siteCode)) {
      throw badRequest('MIRROR_FOLDER_FOREIGN', `镜像文件夹 ${path.dirname(snapshot)} 中是其他考点的镜像（或无法识别），请选择一个空文件夹`);
    }
  }
}

function readSetting(file: string): string | null {
  try {
    return settingSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8'))).folder;
  } catch {
    return null;
  }
}

/** What the administrator reads in the dialog: the drive's state in Chinese, never an errno alone. */
export function mirrorErrorMessage(folder: string, e: unknown): string {
  if (e instanceof AppError || e instanceof TrustError) return `镜像未更新：${e.message}`;
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (isDiskFull(e)) return `镜像盘空间已满，镜像文件夹 ${folder} 未能更新；考试照常进行，请清理或更换外接存储设备`;
  if (code === 'ENOENT' || code === 'ENODEV' || code === 'EIO') return `镜像文件夹 ${folder} 不可用（外接存储设备可能已拔出）；考试照常进行，请重新插入设备，系统会自动继续镜像`;
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return `镜像文件夹 ${folder} 不可写入；考试照常进行，请检查设备的写保护或权限`;
  const message = (e as { message?: unknown } | null)?.message;
  return `镜像文件夹 ${folder} 未能更新（${code ?? (typeof message === 'string' && /[\u4e00-\u9fff]/.test(message) ? message : '未知原因')}）；考试照常进行，系统会自动重试`;
}
