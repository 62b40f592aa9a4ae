import { z } from 'zod';
import { integerParam } from '../../../../core/http/integer-param';
import type { AdminAuthService } from '../../../../core/auth/admin-auth';
import { refusal } from '../../../../core/http/error-catalog';
import type { PluginHttp } from '../../../../core/http/http-registry';
import { reportViewSchema } from '../../api/report-contract';
import type { ResultReport } from './result-report';

const TAG = '考后上报';
const backupBodySchema = z.object({ folder: z.string().trim().min(1, '请填写备份目录（外部存储设备上的目录）').max(1024, '备份目录路径过长') }).strict();
const sessionParamsSchema = z.object({ no: integerParam(1, 999, '场次应为 1–999 的正整数') });

/** 考后上报's admin routes under /api/collection/report (R8.5). */
export function mountReportRoutes(http: PluginHttp, deps: { auth: AdminAuthService; report: ResultReport }): void {
  const { auth, report } = deps;

  http.route({
    method: 'get',
    path: '/report',
    operationId: 'getReportView',
    summary: '考后上报：备份情况（第一步）与各场次上报情况（第二步）',
    tags: [TAG],
    guard: auth.guard,
    response: reportViewSchema,
    handler: () => report.view(),
  });

  http.route({
    method: 'post',
    path: '/report/backup',
    operationId: 'startResultBackup',
    summary: '第一步：把已回收的结果包备份到外部存储设备上的目录（复制、fsync、读回校验）',
    description: '立即返回；进度与结果见 GET /report 与实时事件 collection.report。目录须是完整路径，已存在且可写。',
    tags: [TAG],
    guard: auth.guard,
    body: { kind: 'json', schema: backupBodySchema, maxBytes: 8 * 1024 },
    response: reportViewSchema,
    errors: {
      400: refusal('备份目录无效', 'BACKUP_FOLDER_INVALID', 'BACKUP_FOLDER_MISSING', 'BACKUP_FOLDER_READONLY'),
      409: refusal('备份正在进行，或没有可备份的结果包', 'BACKUP_RUNNING', 'BACKUP_EXISTS', 'NOTHING_COLLECTED', 'SITE_CODE_MISSING'),
    },
    handler: async ({ body, principal }) => {
      await report.backup.start(body.folder, principal.username);
      return report.view();
    },
  });

  http.route({
    method: 'post',
    path: '/report/backup/verify',
    operationId: 'reverifyResultBackup',
    summary: '重新读回并校验最近一次备份',
    tags: [TAG],
    guard: auth.guard,
    response: reportViewSchema,
    errors: { 409: refusal('还没有备份，或备份正在进行', 'BACKUP_MISSING', 'BACKUP_RUNNING') },
    handler: async ({ principal }) => {
      await report.backup.reverify(principal.username);
      return report.view();
    },
  });

  http.route({
    method: 'post',
    path: '/report/sessions/:no/upload',
    operationId: 'startSessionReport',
    summary: '第二步：上报 / 续报一个场次已回收的结果包到监控平台',
    description: '只在已校验的备份包含当前全部已回收结果时可用。立即返回；每个文件在监控平台确认后才计为已上报，续报从平台已收到的位置继续。',
    tags: [TAG],
    guard: auth.guard,
    params: sessionParamsSchema,
    response: reportViewSchema,
    errors: {
      404: refusal('没有这个场次', 'SESSION_UNKNOWN'),
      409: refusal(
        '未完成第一步、正在上报、没有待上报的文件或未配置监控平台',
        'BACKUP_REQUIRED', 'REPORT_RUNNING', 'NOTHING_TO_REPORT', 'CENTRE_NOT_CONFIGURED', 'SITE_CODE_MISSING',
      ),
    },
    handler: async ({ params, principal }) => {
      await report.startUpload(params.no, principal.username);
      return report.view();
    },
  });
}
