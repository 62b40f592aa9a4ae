import fs from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import type { DongleService } from '../../../../core/dongle/dongle-service';
import { TrustError } from '../../../../core/crypto/trust-error';
import { AppError, conflict } from '../../../../core/http/errors';
import type { DataParticipants } from '../../../../core/lifecycle/data-participants';
import { beginStaging, commitSwap, stagingDir, type SwapJournal } from '../../../../core/lifecycle/data-swap';
import { MODE_LABEL, type SiteSettings } from '../../../../core/settings/site-settings';
import type { Store } from '../../../../core/store/store';
import { timingSafeEqual } from 'node:crypto';
import { BAK_DB_ENTRY, BAK_DONGLE_LABEL, BAK_FILES_PREFIX, bakKey, bakKeyCheck, type BakHeader, type BakManifest } from './bak-format';
import { checkRestoreSource } from './backup-folder';
import { verifyBackup } from './backup-verifier';
import { isLaterVersion } from './product-version';
import { readBakHeader } from './sealed-backup-file';

export interface RestoreServiceOptions {
  readonly store: Store;
  readonly participants: DataParticipants;
  readonly settings: SiteSettings;
  readonly dongles: DongleService;
  readonly dataDir: string;
  readonly productVersion: string;
}

/** A backup checked and staged beside the current data; `commit` (while stopped) makes it the data. */
export interface StagedRestore {
  readonly header: BakHeader;
  commit(): void;
}

/**
 * 系统恢复 (R9.2, manual §6.2; a .bak or a mirror folder): every check runs before anything changes — a backup of
 * ours, a format and schema this product reads, this site, this mode, this dongle, every
 * chunk authentic and every entry's hash — while the entries are staged beside the current
 * data. The swap is a journal commit made while the host is stopped (core/lifecycle/data-swap).
 */
export class RestoreService {
  constructor(private readonly o: RestoreServiceOptions) {}

  async stage(file: string): Promise<StagedRestore> {
    const { bak, mirror } = await checkRestoreSource(file);
    const { header, prefix, size } = await readBakHeader(bak);
    const { siteCode, mode } = this.o.settings.get();
    if (siteCode !== null && siteCode !== header.siteCode) {
      throw new TrustError('BACKUP_FOREIGN_SITE', `该备份属于考点 ${header.siteCode}，与本考点 ${siteCode} 不一致，不能恢复；请选择本考点的备份文件`);
    }
    if (siteCode !== null && mode !== header.mode) {
      throw new TrustError(
        'BACKUP_MODE_MISMATCH',
        `该备份是${MODE_LABEL[header.mode]}的数据，本系统当前为${MODE_LABEL[mode]}，两者不能混用；如确需恢复，请先执行系统初始化`,
      );
    }
    if (isLaterVersion(header.productVersion, this.o.productVersion)) {
      throw new TrustError('BACKUP_NEWER_VERSION', `该备份由较新版本的考点管理系统（${header.productVersion}）生成，本系统版本为 ${this.o.productVersion}；请先升级考点管理系统后再恢复`);
    }
    const dongle = this.o.dongles.assertUsableFor(header.mode);
    const key = bakKey(await dongle.deriveKey(BAK_DONGLE_LABEL), header.siteCode);
    if (!timingSafeEqual(Buffer.from(bakKeyCheck(key), 'hex'), Buffer.from(header.keyCheck, 'hex'))) {
      throw new TrustError(
        'BACKUP_FOREIGN_DONGLE',
        `该备份是用另一个机考锁（${header.dongleId}）生成的，与当前机考锁（${dongle.id()}）不一致，不能恢复；请插入备份时使用的机考锁后重试`,
      );
    }
    const dbRel = this.databaseInDataDir();
    const folders = this.o.participants.folders();
    const staging = beginStaging(this.o.dataDir);
    try {
      await verifyBackup(bak, key, prefix, size, header, {
        staging: {
          accept: (manifest) => this.accept(manifest, folders),
          sink: (name) => this.stagedFile(staging, name, dbRel, folders),
        },
        ...(mirror ? { external: { root: mirror, read: true } } : {}),
      });
      if (!fs.existsSync(path.join(staging, dbRel))) throw new TrustError('BACKUP_DAMAGED', '备份文件中缺少数据库，无法恢复；请选择完整的备份文件');
      for (const folder of folders) fs.mkdirSync(path.join(staging, folder), { recursive: true });
    } catch (e) {
      fs.rmSync(staging, { recursive: true, force: true });
      if (e instanceof AppError || e instanceof TrustError) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      throw new AppError(500, 'RESTORE_STAGING_FAILED', `无法在数据目录中准备恢复的数据（${code === 'ENOSPC' ? '磁盘空间不足' : (e as Error).message}），当前数据未改变；请检查磁盘空间后重试`);
    }
    const journal: SwapJournal = { v: 1, replace: [dbRel, ...folders], remove: [`${dbRel}-wal`, `${dbRel}-shm`] };
    return { header, commit: () => commitSwap(this.o.dataDir, journal) };
  }

  /** Drops a staging that will not be committed (e.g. the restart was refused). */
  discard(): void {
    fs.rmSync(stagingDir(this.o.dataDir), { recursive: true, force: true });
  }

  private accept(manifest: BakManifest, folders: readonly string[]): void {
    const known = new Set(this.o.store.dataSource.migrations.map((m) => m.name ?? m.constructor.name));
    const unknown = manifest.database.migrations.filter((m) => !known.has(m));
    if (unknown.length > 0) {
      throw new TrustError('BACKUP_NEWER_VERSION', `该备份的数据库结构比本系统新（${unknown.length} 项本系统没有的升级），请先升级考点管理系统后再恢复`);
    }
    const extra = manifest.folders.filter((f) => !folders.includes(f));
    if (extra.length > 0) {
      throw new TrustError('BACKUP_UNKNOWN_DATA', `该备份包含本系统没有安装的插件的数据（${extra.join('、')}），不能完整恢复；请安装生成备份时的全部插件后再恢复`);
    }
  }

  private async stagedFile(staging: string, name: string, dbRel: string, folders: readonly string[]): Promise<Writable> {
    let rel: string;
    if (name === BAK_DB_ENTRY) rel = dbRel;
    else if (name.startsWith(BAK_FILES_PREFIX) && folders.some((f) => name.startsWith(`${BAK_FILES_PREFIX}${f}/`))) rel = name.slice(BAK_FILES_PREFIX.length);
    else throw new TrustError('BACKUP_DAMAGED', '备份文件包含无法识别的内容，无法恢复；请选择系统备份生成的原始文件');
    const target = path.join(staging, ...rel.split('/'));
    await fs.promises.mkdir(path.dirname(target), { recursive: true });
    return fs.createWriteStream(target, { flags: 'wx', mode: 0o600 });
  }

  private databaseInDataDir(): string {
    const file = this.o.store.sqliteFile;
    if (this.o.store.dialect !== 'sqlite' || !file) {
      throw conflict('RESTORE_POSTGRES_UNSUPPORTED', '当前使用 PostgreSQL 数据库，系统恢复不能替换数据库：请由数据库管理员用 pg_restore 恢复数据库，并复制备份的 plugins 文件夹');
    }
    const rel = path.relative(this.o.dataDir, file);
    if (rel.startsWith('..') || path.isAbsolute(rel)) {
      throw conflict('RESTORE_DATABASE_OUTSIDE', `数据库文件 ${file} 不在数据目录 ${this.o.dataDir} 中，系统恢复无法一步替换；请将数据库放回数据目录后重试`);
    }
    return rel.split(path.sep).join('/');
  }
}
