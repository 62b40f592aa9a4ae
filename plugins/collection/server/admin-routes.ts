import { csvCell } from '../../../core/http/csv';
import { promises as fsp } from 'node:fs';
import { z } from 'zod';
import { integerParam } from '../../../core/http/integer-param';
import type { AdminAuthService } from '../../../core/auth/admin-auth';
import type { DurableFileStore } from '../../../core/files/durable-file-store';
import { AppError } from '../../../core/http/errors';
import type { PluginHttp } from '../../../core/http/http-registry';
import { mergeErrorResponses } from '../../../core/http/route';
import { RESULT_INTAKE_ERRORS, UPLOAD_ERRORS } from './intake-errors';
import { StreamingZipReader, ZipRefusal } from '../../../core/zip/streaming-zip-reader';
import type { ResultIntakeService } from '../api';
import { RESULT_MANIFEST_ENTRY, RESULT_PACKAGE_LIMITS } from '../api/result-package-format';
import type { CollectionTableService } from './collection-table';
import { resultRefused } from './result-package-verifier';
import { ResultConflictRow } from './result-rows';
import type { Store } from '../../../core/store/store';
import { instantSchema } from '../../../core/time/instant';
import { RECONCILIATION_STATE_LABEL, collectionImportResultSchema, collectionTableSchema, reconciliationSchema } from '../api/contract';

const yesNo = (v: boolean, yes: string, no: string): string => (v ? yes : no);

/** 数据回收 for the administrator: the table (R8.3), 手动回收 (R8.2), conflicts, reconciliation (R13.1). */
export function mountCollectionAdminRoutes(
  http: PluginHttp,
  deps: { auth: AdminAuthService; files: DurableFileStore; intake: ResultIntakeService; table: CollectionTableService; store: Store },
): void {
  const guard = deps.auth.guard;
  http.route({
    method: 'get',
    path: '/table',
    operationId: 'getCollectionTable',
    summary: '数据回收表：每考场每场次的考生、参考、缺考、回收、未回收人数（按科目）与上报情况，含人数统计',
    guard,
    query: z.object({ session: integerParam(1, 99, '场次号必须是 1–99 的整数').optional() }),
    response: collectionTableSchema,
    handler: ({ query }) => deps.table.table(query.session ?? null),
  });

  http.route({
    method: 'post',
    path: '/import',
    operationId: 'importResultPackage',
    summary: '手动回收：导入一个监考机导出的结果数据包（多个文件时逐个调用，每个文件一个结果）',
    description: '与在线上报同样的校验与幂等：同一数据包再次导入不做任何改动并返回相同回执；同一考场场次的不同数据包另存为冲突（409）。',
    guard,
    query: z.object({ name: z.string().max(255).default('结果数据包.zip') }),
    body: { kind: 'stream', contentTypes: ['application/zip', 'application/octet-stream', 'application/x-zip-compressed'], maxBytes: RESULT_PACKAGE_LIMITS.maxPackageBytes, description: '结果数据包（.zip）' },
    response: collectionImportResultSchema,
    errors: mergeErrorResponses(RESULT_INTAKE_ERRORS, UPLOAD_ERRORS),
    handler: async ({ body, query }) => {
      const received = await deps.files.receiveWhole(body, RESULT_PACKAGE_LIMITS.maxPackageBytes);
      try {
        const { roomCode, sessionNo } = await claimedRoomSession(received.path, query.name);
        const outcome = await deps.intake.acceptFile(roomCode, sessionNo, received.path, { size: received.size, sha256: received.sha256 }, 'manual', 'hashed-while-written');
        return { fileName: query.name, roomCode, sessionNo, duplicate: outcome.duplicate, receipt: { ...outcome.receipt } };
      } finally {
        await fsp.rm(received.path, { force: true });
      }
    },
  });

  http.route({
    method: 'get',
    path: '/conflicts',
    operationId: 'listResultConflicts',
    summary: '另存的冲突数据包（同一考场场次收到的不同数据包），等待管理员处理',
    guard,
    response: z.object({ conflicts: z.array(z.object({ roomCode: z.string(), sessionNo: z.number().int(), packageSha256: z.string(), packageSize: z.number(), via: z.string(), receivedAt: instantSchema })) }),
    handler: async () => ({
      conflicts: (await deps.store.manager.find(ResultConflictRow, { order: { receivedAt: 'ASC' } })).map(({ file: _file, ...c }) => c),
    }),
  });

  http.route({
    method: 'get',
    path: '/reconciliation',
    operationId: 'getReconciliation',
    summary: '对账：每个应有的（考场、场次、科目、考生）及其状态：已回收、缺考、缺答题文件、未回收，以及是否已备份、已上报、平台已确认',
    guard,
    response: reconciliationSchema,
    handler: async () => ({ lines: await deps.table.reconciliation() }),
  });

  http.route({
    method: 'get',
    path: '/rooms/:roomCode/sessions/:sessionNo/candidates',
    operationId: 'getRoomSessionCandidates',
    summary: '考场情况（查看）：该考场该场次每位考生各科目的参考、缺考、回收情况',
    guard,
    params: z.object({ roomCode: z.string().regex(/^\d{8}$/, '考场代码应为 8 位数字'), sessionNo: integerParam(1, 99, '场次号必须是 1–99 的整数') }),
    response: reconciliationSchema,
    handler: async ({ params }) => ({ lines: await deps.table.reconciliation({ roomCode: params.roomCode, sessionNo: params.sessionNo }) }),
  });

  http.route({
    method: 'get',
    path: '/reconciliation.csv',
    operationId: 'downloadReconciliationCsv',
    summary: '导出对账表（CSV，UTF-8 带 BOM，Excel 可直接打开）',
    guard,
    response: null,
    rawResponses: [
      {
        status: 200,
        description: '对账表 CSV（UTF-8 带 BOM）',
        contentTypes: ['text/csv'],
        headers: { 'Content-Disposition': { description: '附件及其文件名（对账表.csv）' } },
      },
    ],
    handler: async ({ koa }) => {
      const rows = (await deps.table.reconciliation()).map((l) =>
        [
          l.roomCode,
          l.sessionNo,
          l.subjectCode,
          l.ticketNo,
          l.name,
          RECONCILIATION_STATE_LABEL[l.state],
          yesNo(l.backedUp, '已备份', '未备份'),
          yesNo(l.reported, '已上报', '未上报'),
          yesNo(l.acknowledged, '平台已确认', '平台未确认'),
        ]
          .map(csvCell)
          .join(','),
      );
      koa.set('Content-Type', 'text/csv; charset=utf-8');
      koa.set('Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent('对账表.csv')}`);
      koa.body = `\uFEFF考场编号,场次,科目,准考证号,姓名,状态,备份,上报情况,平台确认\r\n${rows.join('\r\n')}\r\n`;
    },
  });
}


/** Which room and session the (not yet verified) manifest names; the intake then checks everything. */
async function claimedRoomSession(file: string, fileName: string): Promise<{ roomCode: string; sessionNo: number }> {
  const shape = z.object({ roomCode: z.string().regex(/^\d{8}$/), sessionNo: z.number().int().min(1).max(99) });
  let zip: StreamingZipReader | null = null;
  try {
    zip = await StreamingZipReader.open(file, { maxEntries: RESULT_PACKAGE_LIMITS.maxEntries, maxEntryBytes: RESULT_PACKAGE_LIMITS.maxEntryBytes });
    if (!zip.has(RESULT_MANIFEST_ENTRY)) throw resultRefused('RESULT_MANIFEST_MISSING', `文件“${fileName}”不是结果数据包（缺少 ${RESULT_MANIFEST_ENTRY}），请选择监考机导出的结果数据包`);
    const parsed = shape.safeParse(JSON.parse((await zip.readSmall(RESULT_MANIFEST_ENTRY, RESULT_PACKAGE_LIMITS.maxManifestBytes)).toString('utf8')));
    if (!parsed.success) throw resultRefused('RESULT_MANIFEST_INVALID', `文件“${fileName}”的清单中没有有效的考场代码和场次，请选择监考机导出的结果数据包`);
    return parsed.data;
  } catch (e) {
    if (e instanceof AppError) throw e;
    if (e instanceof ZipRefusal) throw resultRefused('RESULT_PACKAGE_INVALID', `文件“${fileName}”无法读取：${e.message}；请选择监考机导出的结果数据包`);
    if (e instanceof SyntaxError) throw resultRefused('RESULT_MANIFEST_INVALID', `文件“${fileName}”的清单不是有效的 JSON`);
    throw e;
  } finally {
    zip?.close();
  }
}
