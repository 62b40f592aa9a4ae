import type { Context } from 'koa';
import { z } from 'zod';
import type { AdminAuthService } from '../../../core/auth/admin-auth';
import { DISK_WRITE_ERRORS, DONGLE_ERRORS, refusal, trustErrors } from '../../../core/http/error-catalog';
import { conflict } from '../../../core/http/errors';
import { mergeErrorResponses } from '../../../core/http/route';
import type { PluginHttp } from '../../../core/http/http-registry';
import type { HostControl } from '../../../core/lifecycle/host-control';
import type { SiteSettings } from '../../../core/settings/site-settings';
import type { BackupService } from './backup/backup-service';
import type { RestoreService } from './backup/restore-service';
import type { MirrorService } from './mirror/mirror-service';
import { mirrorStatusSchema } from '../api/mirror';
import type { InitializationService } from './initialization-service';
import type { UnreportedData } from './unreported-data';
import { instantSchema } from '../../../core/time/instant';

const TAG = '系统管理';

const backupSchema = z
  .object({
    file: z.string(),
    name: z.string(),
    createdAt: instantSchema,
    note: z.string(),
    size: z.number().int(),
    siteCode: z.string(),
    mode: z.enum(['formal', 'mock']),
    verified: z.boolean(),
  })
  .meta({ id: 'SystemBackup' });

const overviewSchema = z
  .object({
    siteCode: z.string().nullable(),
    mode: z.enum(['formal', 'mock']),
    /** What blocks 初始化 and 退出系统 now (formal exam, not yet reported). */
    unreported: z.array(z.string()),
    backupSupported: z.boolean(),
  })
  .meta({ id: 'SystemOverview' });

const restartSchema = z.object({ restarting: z.literal(true), message: z.string() });

const folderSchema = z.string().trim().min(1, '请选择备份目录').max(1024, '备份目录路径过长');

/** A backup folder or file the administrator named (backup/backup-folder.ts). */
const FOLDER_ERRORS = refusal('目录不存在、不是完整路径或不可写入', 'BACKUP_FOLDER_INVALID', 'BACKUP_FOLDER_MISSING', 'BACKUP_FOLDER_READONLY');

/** Runs `work` once this answer went out: a restart closes every connection, this one too. */
function afterAnswer(koa: Context, work: () => Promise<void>, onError: (err: unknown) => void): void {
  koa.res.once('finish', () => {
    work().catch(onError);
  });
}

export function mountSystemRoutes(
  http: PluginHttp,
  deps: {
    auth: AdminAuthService;
    settings: SiteSettings;
    unreported: UnreportedData;
    initialization: InitializationService;
    backups: BackupService;
    restores: RestoreService;
    mirror: MirrorService;
    control: HostControl;
    backupSupported: boolean;
    /** Audit line of a mirror folder chosen or switched off. */
    audit: (actor: string, folder: string | null) => Promise<void>;
    logError: (err: unknown, what: string) => void;
  },
): void {
  const { auth, settings, unreported, initialization, backups, restores, mirror, control } = deps;
  const guard = auth.guard;
  /** One of 备份 / 恢复 / 初始化 at a time. */
  let busy: string | null = null;
  const exclusive = async <T>(what: string, work: () => Promise<T>): Promise<T> => {
    if (busy) throw conflict('SYSTEM_BUSY', `系统正在${busy}，请等待完成后再${what}`);
    busy = what;
    try {
      return await work();
    } finally {
      busy = null;
    }
  };

  http.route({
    method: 'get',
    path: '/overview',
    operationId: 'getSystemOverview',
    summary: '系统管理概况：考点代码、模式、尚未上报的数据（正式考试期间阻止初始化与退出）',
    tags: [TAG],
    guard,
    response: overviewSchema,
    handler: async () => ({ ...settings.get(), unreported: await unreported.blockers(), backupSupported: deps.backupSupported }),
  });

  http.route({
    method: 'post',
    path: '/initialize',
    operationId: 'initializeSite',
    summary: '系统初始化（R9.3）：清空考点代码、考务数据、授权、注册与回收数据，保留密码；完成后系统重新启动',
    tags: [TAG],
    guard,
    body: { kind: 'json', schema: z.object({ confirmation: z.string().max(20) }).strict(), maxBytes: 1024 },
    response: restartSchema,
    errors: {
      400: refusal('确认输入的考点代码不一致', 'INIT_CONFIRMATION_MISMATCH'),
      409: refusal('正式考试期间数据尚未全部上报，或系统正在备份/恢复', 'INIT_BLOCKED_UNREPORTED', 'SYSTEM_BUSY'),
    },
    handler: async ({ body, principal, koa }) => {
      await exclusive('初始化', () => initialization.initialize(principal.username, body.confirmation));
      afterAnswer(koa, () => control.restart(), (err) => deps.logError(err, '初始化后重新启动失败'));
      return { restarting: true as const, message: '初始化完成，考点管理系统正在重新启动，请使用原密码登录' };
    },
  });

  http.route({
    method: 'post',
    path: '/exit',
    operationId: 'exitSystem',
    summary: '退出系统（R9.5）：安全关闭考点管理系统；正式考试期间数据未上报前拒绝',
    tags: [TAG],
    guard,
    response: z.object({ exiting: z.literal(true) }),
    errors: { 409: refusal('正式考试期间数据尚未全部上报', 'EXIT_BLOCKED_UNREPORTED') },
    handler: async ({ koa }) => {
      const blockers = await unreported.blockers();
      if (blockers.length > 0) {
        throw conflict('EXIT_BLOCKED_UNREPORTED', `正式考试期间，数据未全部上报前不能关闭考点管理系统，否则考场无法正常考试：${blockers.join('；')}`);
      }
      afterAnswer(koa, () => control.exit(), (err) => deps.logError(err, '退出系统失败'));
      return { exiting: true as const };
    },
  });

  http.route({
    method: 'get',
    path: '/backups',
    operationId: 'listBackups',
    summary: '打开文件夹：列出备份目录中的备份文件（时间、备注、大小、是否已校验）',
    tags: [TAG],
    guard,
    query: z.object({ folder: folderSchema }),
    response: z.array(backupSchema),
    errors: { 400: FOLDER_ERRORS },
    handler: ({ query }) => backups.list(query.folder),
  });

  http.route({
    method: 'post',
    path: '/backups',
    operationId: 'createBackup',
    summary: '系统备份（R9.1）：把整个考点的数据写成一个加密的 .bak 文件，写完回读校验后才生效',
    tags: [TAG],
    guard,
    body: { kind: 'json', schema: z.object({ folder: folderSchema, note: z.string().trim().max(200, '备注不能超过 200 字') }).strict(), maxBytes: 8192 },
    response: backupSchema,
    errors: mergeErrorResponses(DISK_WRITE_ERRORS, DONGLE_ERRORS, {
      400: FOLDER_ERRORS,
      409: refusal('未设置考点代码、使用 PostgreSQL、同名备份已存在，或系统正在进行其他操作', 'SITE_CODE_MISSING', 'BACKUP_POSTGRES_UNSUPPORTED', 'BACKUP_EXISTS', 'SYSTEM_BUSY'),
      500: refusal('写入失败', 'BACKUP_WRITE_FAILED'),
    }),
    handler: ({ body, principal }) => exclusive('备份', () => backups.create(body.folder, body.note, principal.username)),
  });

  http.route({
    method: 'get',
    path: '/mirror',
    operationId: 'getMirror',
    summary: '持续保护：镜像文件夹及其状态（最近一次镜像时间、延迟、错误）',
    tags: [TAG],
    guard,
    response: mirrorStatusSchema,
    handler: () => mirror.status(),
  });

  http.route({
    method: 'put',
    path: '/mirror',
    operationId: 'setMirror',
    summary: '持续保护：选择镜像文件夹（外接存储设备上的空文件夹；null 为停用）；每次数据变化后数秒内同步结果数据包与数据库快照',
    tags: [TAG],
    guard,
    body: { kind: 'json', schema: z.object({ folder: folderSchema.nullable() }).strict(), maxBytes: 4096 },
    response: mirrorStatusSchema,
    errors: mergeErrorResponses(DISK_WRITE_ERRORS, {
      400: refusal('目录不存在、不是完整路径、不可写入、不是空文件夹或是其他考点的镜像', 'BACKUP_FOLDER_INVALID', 'BACKUP_FOLDER_MISSING', 'BACKUP_FOLDER_READONLY', 'MIRROR_FOLDER_NOT_EMPTY', 'MIRROR_FOLDER_FOREIGN'),
      409: refusal('使用 PostgreSQL 数据库', 'MIRROR_POSTGRES_UNSUPPORTED'),
    }),
    handler: async ({ body, principal }) => {
      const status = await mirror.configure(body.folder);
      deps.audit(principal.username, body.folder);
      return status;
    },
  });

  http.route({
    method: 'post',
    path: '/restore',
    operationId: 'restoreBackup',
    summary: '系统恢复（R9.2）：校验备份文件（本考点、本机考锁、版本、每项数据的哈希）后替换全部数据，系统重新启动',
    tags: [TAG],
    guard,
    body: { kind: 'json', schema: z.object({ file: z.string().trim().min(1, '请选择备份文件').max(1024, '备份文件路径过长') }).strict(), maxBytes: 4096 },
    response: restartSchema,
    errors: mergeErrorResponses(
      DONGLE_ERRORS,
      trustErrors('BACKUP_DAMAGED', 'BACKUP_FOREIGN_SITE', 'BACKUP_FOREIGN_DONGLE', 'BACKUP_MODE_MISMATCH', 'BACKUP_NEWER_VERSION', 'BACKUP_NOT_A_BACKUP', 'BACKUP_UNKNOWN_DATA', 'DECRYPT_FAILED'),
      {
        400: refusal('备份文件无效、已损坏、属于其他考点或机考锁、版本过新', 'BACKUP_FILE_INVALID', 'BACKUP_FILE_MISSING'),
        409: refusal('系统正在进行其他操作，或数据库不能由本系统恢复', 'SYSTEM_BUSY', 'RESTORE_DATABASE_OUTSIDE', 'RESTORE_POSTGRES_UNSUPPORTED'),
        500: refusal('恢复数据准备失败', 'RESTORE_STAGING_FAILED'),
      },
    ),
    handler: async ({ body, koa }) => {
      // A mirror run must not rewrite the folder being read (or the data being staged from).
      const staged = await exclusive('恢复', () => mirror.suspend(() => restores.stage(body.file)));
      afterAnswer(
        koa,
        () => control.restart({ whileStopped: async () => staged.commit() }),
        (err) => deps.logError(err, '恢复后重新启动失败'),
      );
      return { restarting: true as const, message: `备份（${staged.header.note || '无备注'}）已校验通过，正在恢复数据并重新启动考点管理系统，请稍候重新登录` };
    },
  });
}
