import { z } from 'zod';
import { integerParam } from '../../../core/http/integer-param';
import type { AuthGuard } from '../../../core/http/route';
import type { PluginHttp } from '../../../core/http/http-registry';
import type { Outbox } from '../../../core/centre/outbox';
import { monitorOverviewSchema } from '../api/contract';
import type { MonitorService } from './monitor-service';
import type { RoomStateThresholds } from './room-state-book';
import { ROOM_STATUS_KIND } from './session-reports';

const overviewQuerySchema = z.object({
  session: integerParam(1, 999, '场次应为从 1 开始的整数').optional(),
});

export interface AdminMonitorRouteDeps {
  readonly guard: AuthGuard<unknown>;
  readonly monitor: MonitorService;
  readonly outbox: Outbox;
  readonly thresholds: RoomStateThresholds;
}

/** GET /api/monitor/rooms: the 考场监控 page (R7.1). */
export function mountAdminMonitorRoutes(http: PluginHttp, d: AdminMonitorRouteDeps): void {
  http.route({
    method: 'get',
    path: '/rooms',
    summary: '考场监控：所选场次（默认按可信时间的当前场次）的各考场状态与人数',
    tags: ['考场监控'],
    guard: d.guard,
    query: overviewQuerySchema,
    response: monitorOverviewSchema,
    handler: async ({ query }) => {
      const [overview, delivered] = await Promise.all([d.monitor.overview(query.session), d.outbox.delivered(ROOM_STATUS_KIND, 1)]);
      return {
        ...overview,
        lastReportAt: delivered[0]?.deliveredAt ?? null,
        intervalSeconds: d.thresholds.intervalMs / 1000,
        lateAfterSeconds: d.thresholds.lateAfterMs / 1000,
        disconnectedAfterSeconds: d.thresholds.disconnectedAfterMs / 1000,
        incidents: [],
        notices: [],
      };
    },
  });
}
