import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { AuditLog } from '../../../../core/auth/audit';
import type { DongleService } from '../../../../core/dongle/dongle-service';
import { AppError, conflict } from '../../../../core/http/errors';
import type { DataParticipants } from '../../../../core/lifecycle/data-participants';
import type { SiteSettings } from '../../../../core/settings/site-settings';
import type { Store } from '../../../../core/store/store';
import { TrustError } from '../../../../core/crypto/trust-error';
import {
  BAK_DB_ENTRY,
  BAK_DONGLE_LABEL,
  BAK_EXTENSION,
  BAK_FILES_PREFIX,
  bakFileName,
  bakKey,
  bakKeyCheck,
  type BakHeader,
  type BakManifest,
} from './bak-format';
import { checkBackupFolder } from './backup-folder';
import { verifyBackup } from './backup-verifier';
import { isTemporaryBackupName, snapshotFiles, temporaryNameFor, writeBackup } from './backup-writer';
import { readBakHeader } from './sealed-backup-file';

export interface BackupListing {
  readonly file: string;
  readonly name: string;
  readonly createdAt: string;
  readonly note: string;
  readonly size: number;
  readonly siteCode: string;
  readonly mode: 'formal' | 'mock';
  /** Read back and every hash checked (when made, or by 校验 since). */
  readonly verified: boolean;
}

export interface BackupServiceOptions {
  readonly store: Store;
  readonly participants: DataParticipants;
  readonly settings: SiteSettings;
  readonly dongles: DongleService;
  readonly audit: AuditLog;
  readonly dataDir: string;
  /** A scratch folder inside the data folder (hard links need the same file system). */
  readonly workDir: string;
  readonly productVersion: string;
  /** Files known verified (by path → size), remembered for the list. */
  readonly verifiedLog: VerifiedBackups;
}

/** The backups this installation wrote or checked, so the list can say 已校验. */
export interface VerifiedBackups {
  has(file: string, size: number): boolean;
  add(file: string, size: number): void;
}

/** The scratch snapshots of backups and of the mirror (swept at start). */
export const SNAPSHOT_PREFIX = 'snapshot-';

export const BACKUP_WRITE_FAILED = (reason: string): AppError =>
  new AppError(500, 'BACKUP_WRITE_FAILED', `系统备份失败（${reason}），未生成备份文件；请检查备份目录的磁盘空间和权限后重试`);

/**
 * 系统备份 (R9.1, manual §3.4 §6.1): a consistent snapshot (the database by VACUUM INTO and
 * every participant's files by hard link, both while writes are held), streamed into one
 * sealed .bak under a temporary name, read back and checked, then renamed.
 */
export class BackupService {
  constructor(private readonly o: BackupServiceOptions) {}

  async create(folder: string, note: string, actor: string): Promise<BackupListing> {
    const dir = await checkBackupFolder(folder, true);
    if (this.o.store.dialect !== 'sqlite') {
      throw conflict(
        'BACKUP_POSTGRES_UNSUPPORTED',
        '当前使用 PostgreSQL 数据库，系统备份无法生成一致的数据库快照：请由数据库管理员用 pg_dump 备份数据库，并同时复制数据目录下的 plugins 文件夹',
      );
    }
    const { key, header, now } = await this.describe(note);
    await sweepStaleParts(dir);
    const final = path.join(dir, bakFileName(header.siteCode, now));
    if (fs.existsSync(final)) throw conflict('BACKUP_EXISTS', `备份文件 ${final} 已存在，请稍后再试`);
    const snapshot = path.join(this.o.workDir, `${SNAPSHOT_PREFIX}${randomBytes(4).toString('hex')}`);
    const tmp = temporaryNameFor(final);
    const folders = this.o.participants.folders();
    try {
      const migrations = await this.freeze(snapshot, folders);
      await writeBackup({ header, key, manifest: manifestFrame(header, migrations, folders), files: snapshotFiles(snapshot, folders) }, tmp);
      const { prefix, size } = await readBakHeader(tmp);
      await verifyBackup(tmp, key, prefix, size, header);
      await fsp.rename(tmp, final);
      await fsyncDir(dir);
      this.o.verifiedLog.add(final, size);
      await this.o.audit.record(actor, 'system.backup', { file: final, size, note });
      return listingOf(final, header, size, true);
    } catch (e) {
      await fsp.rm(tmp, { force: true });
      if (e instanceof AppError) throw e;
      if (e instanceof TrustError) throw BACKUP_WRITE_FAILED(`写入后回读校验未通过：${e.message}`);
      const code = (e as NodeJS.ErrnoException).code;
      throw BACKUP_WRITE_FAILED(code === 'ENOSPC' ? '磁盘空间不足' : code === 'EACCES' ? '没有写入权限' : (e as Error).message);
    } finally {
      await fsp.rm(snapshot, { recursive: true, force: true });
    }
  }

  /** The .bak files of a folder (打开文件夹), newest first. Half-written ones (temporary names) are not listed. */
  async list(folder: string): Promise<BackupListing[]> {
    const dir = await checkBackupFolder(folder, false);
    const out: BackupListing[] = [];
    for (const name of await fsp.readdir(dir)) {
      if (!name.toLowerCase().endsWith(BAK_EXTENSION) || name.startsWith('.')) continue;
      const file = path.join(dir, name);
      try {
        const { header, size } = await readBakHeader(file);
        out.push(listingOf(file, header, size, this.o.verifiedLog.has(file, size)));
      } catch {
        // Not a backup of ours (or damaged): the restore would say so; the list skips it.
      }
    }
    return out.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  /** The key and clear header of a backup made now (the mirror's snapshot is one too). */
  async describe(note: string): Promise<{ key: Buffer; header: BakHeader; now: Date }> {
    const { siteCode, mode } = this.o.settings.get();
    if (!siteCode) throw conflict('SITE_CODE_MISSING', '请先在“系统设置”中填写考点代码，再进行系统备份');
    const dongle = this.o.dongles.assertUsableFor(mode);
    const key = bakKey(await dongle.deriveKey(BAK_DONGLE_LABEL), siteCode);
    const now = new Date();
    const header: BakHeader = {
      format: 'examsite-backup',
      siteCode,
      mode,
      dongleId: dongle.id(),
      keyCheck: bakKeyCheck(key),
      createdAt: now.toISOString(),
      note,
      productVersion: this.o.productVersion,
    };
    return { key, header, now };
  }

  /**
   * The database by VACUUM INTO and the participants' files by hard link, while no write
   * can start: the backup matches one committed state. Returns the applied migrations.
   */
  async freeze(snapshot: string, folders: readonly string[]): Promise<string[]> {
    await fsp.mkdir(path.join(snapshot, path.dirname(BAK_DB_ENTRY)), { recursive: true });
    let migrations: string[] = [];
    await this.o.store.snapshotTo(path.join(snapshot, BAK_DB_ENTRY), async () => {
      for (const folder of folders) linkTree(path.join(this.o.dataDir, folder), path.join(snapshot, BAK_FILES_PREFIX, folder));
      const rows = (await this.o.store.manager.query('SELECT name FROM migrations ORDER BY id')) as { name: string }[];
      migrations = rows.map((r) => r.name);
    });
    return migrations;
  }
}

/** The manifest of a backup described by `header`, but its entries (computed while streaming). */
export function manifestFrame(header: BakHeader, migrations: string[], folders: string[]): Omit<BakManifest, 'entries'> {
  return {
    format: 'examsite-backup-manifest',
    v: 1,
    productVersion: header.productVersion,
    siteCode: header.siteCode,
    mode: header.mode,
    createdAt: header.createdAt,
    note: header.note,
    database: { dialect: 'sqlite', migrations },
    folders,
  };
}

/** Snapshots a backup killed mid-way left in the scratch folder (hard links and a database copy); at start. */
export async function sweepBackupSnapshots(workDir: string): Promise<number> {
  const names = await fsp.readdir(workDir).catch(() => [] as string[]);
  const stale = names.filter((n) => n.startsWith(SNAPSHOT_PREFIX));
  for (const name of stale) await fsp.rm(path.join(workDir, name), { recursive: true, force: true });
  return stale.length;
}

/** Half-written backups (temporary names) a killed backup left in the folder; only one backup runs at a time. */
async function sweepStaleParts(dir: string): Promise<void> {
  for (const name of await fsp.readdir(dir)) {
    if (isTemporaryBackupName(name)) await fsp.rm(path.join(dir, name), { force: true });
  }
}

function listingOf(file: string, header: BakHeader, size: number, verified: boolean): BackupListing {
  return { file, name: path.basename(file), createdAt: header.createdAt, note: header.note, size, siteCode: header.siteCode, mode: header.mode, verified };
}

/** Hard links of every file under `from` (same file system): later changes replace files, never edit them. */
function linkTree(from: string, to: string): void {
  if (!fs.existsSync(from)) return;
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, entry.name);
    const dst = path.join(to, entry.name);
    if (entry.isDirectory()) linkTree(src, dst);
    else if (entry.isFile()) fs.linkSync(src, dst);
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await fsp.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
