import { randomUUID } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { AuditLog } from '../../../../core/auth/audit';
import { AppError, badRequest, conflict } from '../../../../core/http/errors';
import type { SiteSettings } from '../../../../core/settings/site-settings';
import type { Store } from '../../../../core/store/store';
import type { CollectedPackage, CollectedResultsSource } from './collected-results';
import { ResultBackupRow } from './report-rows';
import type { BackupProgressView } from '../../api/report-contract';
import { verifyBackup, writeBackup } from './result-backup-files';

export interface BackupCoverage {
  readonly latest: ResultBackupRow | null;
  /** Verified and holding every package collected now. */
  readonly coversCurrent: boolean;
  readonly notCovered: number;
}

/** `2026-12-20T09:00:00.000Z` → `20261220-170000` (China time), for folder names. */
function folderStamp(iso: string): string {
  const t = new Date(Date.parse(iso) + 8 * 3600_000).toISOString();
  return `${t.slice(0, 10).replace(/-/g, '')}-${t.slice(11, 19).replace(/:/g, '')}`;
}

/** `base`, or `base-2`, `base-3` … when a backup of the same second exists. */
async function freshFolder(base: string): Promise<string> {
  for (let n = 1; n <= 99; n++) {
    const candidate = n === 1 ? base : `${base}-${n}`;
    if (!(await fsp.stat(candidate).then(() => true, () => false))) return candidate;
  }
  throw conflict('BACKUP_EXISTS', `备份目录 ${base} 已存在，请选择其他目录`);
}

/** The folder the administrator chose: absolute, existing, a directory, writable. */
async function checkBackupFolder(folder: string): Promise<string> {
  const trimmed = folder.trim();
  if (!path.isAbsolute(trimmed)) throw badRequest('BACKUP_FOLDER_INVALID', `备份目录“${trimmed}”不是完整路径，请填写外部存储设备上的完整路径（如 E:\\结果备份）`);
  const dir = path.resolve(trimmed);
  const stat = await fsp.stat(dir).catch(() => null);
  if (!stat) throw badRequest('BACKUP_FOLDER_MISSING', `备份目录 ${dir} 不存在，请接入外部存储设备并选择其上的目录`);
  if (!stat.isDirectory()) throw badRequest('BACKUP_FOLDER_INVALID', `${dir} 不是目录，请选择一个目录`);
  await fsp.access(dir, fsp.constants.W_OK).catch(() => {
    throw badRequest('BACKUP_FOLDER_READONLY', `备份目录 ${dir} 不可写入，请检查外部存储设备是否写保护`);
  });
  return dir;
}

/**
 * 考后上报 第一步 (R8.5): the collected packages copied to a folder on an external drive with a
 * manifest of hashes, fsynced, read back and verified. Only a verified backup that holds
 * every package collected now enables 第二步; a package collected later asks for it again.
 */
export class ResultBackupStep {
  private job: Promise<void> | null = null;
  private current: BackupProgressView | null = null;

  constructor(
    private readonly deps: {
      readonly store: Store;
      readonly settings: SiteSettings;
      readonly audit: AuditLog;
      readonly source: CollectedResultsSource;
      readonly now: () => string;
      readonly changed: () => void;
    },
  ) {}

  get running(): boolean {
    return this.job !== null;
  }

  get progress(): BackupProgressView | null {
    return this.current;
  }

  /** The running backup, for callers that wait for it (tests, benches). */
  whenDone(): Promise<void> {
    return this.job ?? Promise.resolve();
  }

  async latest(): Promise<ResultBackupRow | null> {
    const [newest] = await this.deps.store.manager.find(ResultBackupRow, { order: { createdAt: 'DESC' }, take: 1 });
    return newest ?? null;
  }

  async coverage(packages: readonly CollectedPackage[]): Promise<BackupCoverage> {
    const latest = await this.latest();
    const held = new Set<string>(latest ? (JSON.parse(latest.packagesJson) as string[]) : []);
    const notCovered = packages.filter((p) => !held.has(p.sha256)).length;
    return { latest, coversCurrent: latest !== null && latest.verifiedAt !== null && notCovered === 0 && packages.length > 0, notCovered };
  }

  /** Checks the folder now, then copies and verifies in the background. */
  async start(folder: string, actor: string): Promise<void> {
    if (this.job) throw conflict('BACKUP_RUNNING', '备份正在进行，请等待完成');
    const { siteCode, mode } = this.deps.settings.get();
    if (!siteCode) throw conflict('SITE_CODE_MISSING', '请先在“系统设置”中填写考点代码');
    const parent = await checkBackupFolder(folder);
    const packages = await this.deps.source.list();
    if (packages.length === 0) throw conflict('NOTHING_COLLECTED', '还没有回收任何结果包，无需备份');
    const createdAt = this.deps.now();
    const dir = await freshFolder(path.join(parent, `结果备份_${siteCode}_${folderStamp(createdAt)}`));
    this.job = this.run(dir, { siteCode, mode, createdAt }, packages, actor).finally(() => {
      this.job = null;
      this.current = null;
      this.deps.changed();
    });
    this.deps.changed();
  }

  /** Reads the newest backup back again (e.g. after the drive was unplugged and plugged in). */
  async reverify(actor: string): Promise<void> {
    if (this.job) throw conflict('BACKUP_RUNNING', '备份正在进行，请等待完成');
    const latest = await this.latest();
    if (!latest) throw conflict('BACKUP_MISSING', '还没有备份，请先执行第一步');
    this.job = this.verifyInto(latest, actor).finally(() => {
      this.job = null;
      this.current = null;
      this.deps.changed();
    });
    this.deps.changed();
    await this.job;
  }

  private async run(dir: string, site: { siteCode: string; mode: 'formal' | 'mock'; createdAt: string }, packages: readonly CollectedPackage[], actor: string): Promise<void> {
    const row: ResultBackupRow = Object.assign(new ResultBackupRow(), {
      id: randomUUID(),
      dir,
      createdAt: site.createdAt,
      verifiedAt: null,
      manifestSha256: '',
      packagesJson: '[]',
      bytes: 0,
      failure: '',
    });
    try {
      const written = await writeBackup(dir, site, packages, (p) => this.report(p));
      row.manifestSha256 = written.manifestSha256;
      row.packagesJson = JSON.stringify(written.manifest.files.map((f) => f.sha256));
      row.bytes = written.manifest.files.reduce((n, f) => n + f.size, 0);
    } catch (e) {
      row.failure = e instanceof AppError ? e.message : '备份失败，请检查外部存储设备后重新执行第一步';
      await this.store(row, actor, 'collection.backup.failed', { dir, reason: row.failure });
      return;
    }
    await this.verifyInto(row, actor);
  }

  private async verifyInto(row: ResultBackupRow, actor: string): Promise<void> {
    try {
      const manifest = await verifyBackup(row.dir, row.manifestSha256, (p) => this.report(p));
      row.verifiedAt = this.deps.now();
      row.failure = '';
      await this.store(row, actor, 'collection.backup.verified', { dir: row.dir, files: manifest.files.length, bytes: row.bytes });
    } catch (e) {
      row.verifiedAt = null;
      row.failure = e instanceof AppError ? e.message : '备份读回校验失败，请重新执行第一步';
      await this.store(row, actor, 'collection.backup.failed', { dir: row.dir, reason: row.failure });
    }
  }

  /** The backup's row and its audit line: one unit of work. */
  private store(row: ResultBackupRow, actor: string, action: string, detail: Record<string, unknown>): Promise<void> {
    return this.deps.store.write(async (em) => {
      await em.save(row);
      await this.deps.audit.record(actor, action, detail);
    });
  }

  private report(p: BackupProgressView): void {
    this.current = p;
    this.deps.changed();
  }
}
