import { z } from 'zod';
import { refusal } from '../../../core/http/error-catalog';
import { integerParam } from '../../../core/http/integer-param';
import type { AdminPrincipal } from '../../../core/auth/admin-auth';
import type { AuthGuard } from '../../../core/http/route';
import type { PluginHttp } from '../../../core/http/http-registry';
import type { Outbox } from '../../../core/centre/outbox';
import { monitorOverviewSchema, noticeSchema } from '../api/contract';
import type { MonitorService } from './monitor-service';
import type { RoomStateThresholds } from './room-state-book';
import { ROOM_STATUS_KIND } from './session-reports';

const overviewQuerySchema = z.object({
  session: integerParam(1, 999, '场次应为从 1 开始的整数').optional(),
});

/** A notice to every room (roomCode null) or one room, e.g. 开考延迟10分钟. */
export const noticeRequestSchema = z
  .object({
    roomCode: z
      .string({ error: '考场代码应为文字；发给全部考场时为 null' })
      .regex(/^\d{8}$/, '考场代码必须是 8 位数字，如 11003001')
      .nullable(),
    text: z.string({ error: '请填写通知内容' }).trim().min(1, '请填写通知内容，如“开考延迟10分钟”').max(200, '通知内容不能超过 200 个字'),
  })
  .strict()
  .meta({ id: 'MonitorNoticeRequest' });

export interface AdminMonitorRouteDeps {
  readonly guard: AuthGuard<AdminPrincipal>;
  readonly monitor: MonitorService;
  readonly outbox: Outbox;
  readonly thresholds: RoomStateThresholds;
  readonly missingWarnAt: number;
}

/** GET /api/monitor/rooms: the 考场监控 page (R7.1); POST /api/monitor/notices (issue 11 point 7). */
export function mountAdminMonitorRoutes(http: PluginHttp, d: AdminMonitorRouteDeps): void {
  http.route({
    method: 'get',
    path: '/rooms',
    operationId: 'getMonitorOverview',
    summary: '考场监控：所选场次（默认按可信时间的当前场次）的各考场状态与人数',
    tags: ['考场监控'],
    guard: d.guard,
    query: overviewQuerySchema,
    response: monitorOverviewSchema,
    errors: { 409: refusal('没有所选的场次', 'SESSION_UNKNOWN') },
    handler: async ({ query }) => {
      const [overview, delivered] = await Promise.all([d.monitor.overview(query.session), d.outbox.delivered(ROOM_STATUS_KIND, 1)]);
      return {
        ...overview,
        lastReportAt: delivered[0]?.deliveredAt ?? null,
        intervalSeconds: d.thresholds.intervalMs / 1000,
        lateAfterSeconds: d.thresholds.lateAfterMs / 1000,
        disconnectedAfterSeconds: d.thresholds.disconnectedAfterMs / 1000,
        missingWarnAt: d.missingWarnAt,
      };
    },
  });

  http.route({
    method: 'post',
    path: '/notices',
    operationId: 'sendNotice',
    summary: '向全部考场或一个考场发送通知（如“开考延迟10分钟”）；监考机在下一次心跳应答中收到并确认',
    tags: ['考场监控'],
    guard: d.guard,
    body: { kind: 'json', schema: noticeRequestSchema, maxBytes: 4096 },
    response: noticeSchema,
    errors: { 400: refusal('通知内容或考场代码不符合要求，或尚未载入考场数据', 'NO_ROOMS', 'ROOM_UNKNOWN') },
    handler: ({ principal, body }) => d.monitor.sendNotice(principal.username, body.roomCode, body.text),
  });
}
