import { definePlugin, type PluginDefinition } from '../../../core/kernel/plugin';
import { createServiceRef } from '../../../core/kernel/refs';
import { defaultMonotonic, type MonotonicSource } from '../../../core/dongle/dongle';
import { coreServices } from '../../../core/services';
import { authorizationDirectoryRef } from '../../authorization/api';
import { examDataServiceRef } from '../../load/api';
import { proctorApiRef, registrationDirectoryRef } from '../../registration/api';
import { sealChecksPoint } from '../../seal/api';
import { monitorSealCheck } from './seal-check';
import * as monitorApi from '../api';
import { roomMonitorDirectoryRef } from '../api';
import { mountAdminMonitorRoutes } from './admin-monitor-routes';
import { monitorMigrations } from './monitor-migrations';
import { MonitorService } from './monitor-service';
import { mountProctorMonitorRoutes } from './proctor-monitor-routes';
import { RoomSnapshotRow } from './room-snapshot-row';
import { IncidentRow, NoticeAckRow, NoticeRow } from './incident-notice-rows';

const monitorServiceRef = createServiceRef<MonitorService>('monitor.service', '考场监控服务（插件内部）');

export interface MonitorPluginOptions {
  /** Heartbeat interval proctors are told to use. Default 5 s. */
  readonly intervalSeconds?: number;
  /** Heartbeat age (in intervals) after which a row warns (late). Default 1.5. */
  readonly lateAfterBeats?: number;
  /** A started room with this many candidates not logged in warns. Default 3. */
  readonly missingWarnAt?: number;
  /** Missed beats before a room shows as disconnected. Default 3. */
  readonly missedBeats?: number;
  /** Room status report to the centre (R7.3). Default every 60 s. */
  readonly statusReportSeconds?: number;
  /** Snapshot of the in-memory room state. Default every 10 s (and at each transition). */
  readonly snapshotSeconds?: number;
  /** Judges heartbeat age (tests move it by hand). */
  readonly monotonic?: MonotonicSource;
}

/** 考中 考场监控 (R7) and the start/end reports (R6.4). */
export function createMonitorPlugin(options: MonitorPluginOptions = {}): PluginDefinition {
  const intervalSeconds = options.intervalSeconds ?? 5;
  const intervalMs = intervalSeconds * 1000;
  const thresholds = { intervalMs, lateAfterMs: intervalMs * (options.lateAfterBeats ?? 1.5), disconnectedAfterMs: intervalMs * (options.missedBeats ?? 3) };
  return definePlugin({
    manifest: { id: 'monitor', version: '1.0.0', host: '^0.1.0', displayName: '考场监控', stage: 'monitor' },
    publicApi: monitorApi,
    register(env) {
      env.registerEntities([RoomSnapshotRow, IncidentRow, NoticeRow, NoticeAckRow]);
      env.registerMigrations(monitorMigrations);
      env.extendWith(sealChecksPoint, {
        deps: { registrations: registrationDirectoryRef, service: monitorServiceRef },
        factory: ({ registrations, service }) => monitorSealCheck(registrations, service.book),
      });
      env.provideService(monitorServiceRef, {
        deps: {
          store: coreServices.store,
          examData: examDataServiceRef,
          registrations: registrationDirectoryRef,
          authorizations: authorizationDirectoryRef,
          clock: coreServices.clock,
          live: coreServices.liveEvents,
          outbox: coreServices.outbox,
          settings: coreServices.settings,
          logger: coreServices.logger,
          audit: coreServices.audit,
        },
        factory: async (d) => {
          const service = new MonitorService({ ...d, thresholds, monotonic: options.monotonic ?? defaultMonotonic });
          await service.restore();
          return service;
        },
      });
      env.provideService(roomMonitorDirectoryRef, {
        deps: { service: monitorServiceRef },
        factory: ({ service }) => ({ rooms: () => service.book.all().map((r) => service.liveOf(r.roomCode)) }),
      });
      env.registerInit({
        deps: {
          http: coreServices.http,
          auth: coreServices.adminAuth,
          proctorApi: proctorApiRef,
          outbox: coreServices.outbox,
          lifecycle: coreServices.lifecycle,
          logger: coreServices.logger,
          service: monitorServiceRef,
          participation: coreServices.dataParticipation,
        },
        init({ http, auth, proctorApi, outbox, lifecycle, logger, service, participation }) {
          participation.participate(service.dataParticipant());
          mountProctorMonitorRoutes(proctorApi, service, intervalSeconds);
          mountAdminMonitorRoutes(http, { guard: auth.guard, monitor: service, outbox, thresholds, missingWarnAt: options.missingWarnAt ?? 3 });
          const timers: NodeJS.Timeout[] = [];
          const every = (ms: number, task: () => Promise<void> | void, what: string): void => {
            const t = setInterval(() => {
              Promise.resolve()
                .then(task)
                .catch((err: unknown) => logger.warn({ err }, what));
            }, ms);
            t.unref();
            timers.push(t);
          };
          lifecycle.onReady(() => {
            every(250, () => service.sweep(), '考场连接状态检查失败');
            every((options.snapshotSeconds ?? 10) * 1000, () => service.flush(), '考场状态快照失败');
            const periodMs = (options.statusReportSeconds ?? 60) * 1000;
            every(periodMs, async () => service.reports.reportRoomStatus(service.book, service.notes, periodMs, (await service.siteTime()).at.getTime()), '考场状态上报入队失败');
          });
          lifecycle.onShutdown(async () => {
            for (const t of timers.splice(0)) clearInterval(t);
            await service.writeTransitions();
          });
        },
      });
    },
  });
}

export const plugin = createMonitorPlugin();
