import { z } from 'zod';
import { DONGLE_ERRORS, refusal } from '../../../../core/http/error-catalog';
import { mergeErrorResponses, type ResponseHeaders } from '../../../../core/http/route';
import type { AdminAuthService } from '../../../../core/auth/admin-auth';
import type { PluginHttp } from '../../../../core/http/http-registry';
import { integerParam } from '../../../../core/http/integer-param';
import { eventLogFilterSchema, eventLogPageSchema } from '../../api/event-log';
import type { EventLogService } from './event-log-service';

const TAG = '系统管理';

const pageQuery = eventLogFilterSchema.extend({
  limit: integerParam(1, 500, '每页条数应为 1 到 500 的整数').optional(),
  offset: integerParam(0, 10_000_000, '起始位置应为不小于 0 的整数').optional(),
});

function attachment(koa: { set(name: string, value: string): void }, type: string, fileName: string): void {
  koa.set('Content-Type', type);
  koa.set('Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent(fileName)}`);
}

const FILTER_ERRORS = refusal('筛选条件无效（时间格式、类别、考场编号）', 'EVENT_LOG_TIME_INVALID', 'EVENT_LOG_RANGE_INVALID');
const ATTACHMENT: ResponseHeaders = { 'Content-Disposition': { description: '附件及其文件名' } };

/** 事件日志: the page and its two exports (issue 13 point 6). */
export function mountEventLogRoutes(http: PluginHttp, deps: { auth: AdminAuthService; events: EventLogService }): void {
  const guard = deps.auth.guard;

  http.route({
    method: 'get',
    path: '/events',
    operationId: 'getEventLogPage',
    summary: '事件日志：审计日志（登录、拒绝、注册、吊销、导入、上报、断开、重启），按时间范围（北京时间）、类别、考场筛选，并校验哈希链是否完整',
    tags: [TAG],
    guard,
    query: pageQuery,
    response: eventLogPageSchema,
    errors: { 400: FILTER_ERRORS },
    handler: ({ query }) => {
      const { limit, offset, ...filter } = query;
      return deps.events.page(filter, limit ?? 100, offset ?? 0);
    },
  });

  http.route({
    method: 'get',
    path: '/events.csv',
    operationId: 'downloadEventLogCsv',
    summary: '导出事件日志（CSV，UTF-8 带 BOM，Excel 可直接打开；时间为北京时间，最后一行为日志完整性）',
    tags: [TAG],
    guard,
    query: eventLogFilterSchema,
    response: null,
    rawResponses: [{ status: 200, description: '事件日志 CSV（UTF-8 带 BOM）', contentTypes: ['text/csv'], headers: ATTACHMENT }],
    errors: { 400: FILTER_ERRORS },
    handler: async ({ koa, query }) => {
      const text = await deps.events.csv(query);
      attachment(koa, 'text/csv; charset=utf-8', '事件日志.csv');
      koa.body = text;
    },
  });

  http.route({
    method: 'get',
    path: '/events.json',
    operationId: 'downloadEventLogSigned',
    summary: '导出事件日志（JSON，由本考点机考锁签名，供监控平台核验；含每条记录的哈希链）',
    tags: [TAG],
    guard,
    query: eventLogFilterSchema,
    response: null,
    rawResponses: [
      {
        status: 200,
        description: '机考锁签名的事件日志：{ v, payload（base64 的 JSON）, dongleId, signingPublicKey, sig, body }',
        contentTypes: ['application/json'],
        jsonSchema: z.looseObject({ v: z.number(), payload: z.string(), dongleId: z.string(), signingPublicKey: z.string(), sig: z.string() }),
        headers: ATTACHMENT,
      },
    ],
    errors: mergeErrorResponses(DONGLE_ERRORS, { 400: FILTER_ERRORS }),
    handler: async ({ koa, query }) => {
      const doc = await deps.events.signedJson(query);
      attachment(koa, 'application/json; charset=utf-8', '事件日志.json');
      koa.body = JSON.stringify(doc);
    },
  });
}
