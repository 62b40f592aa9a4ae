import { definePlugin } from '../../../core/kernel/plugin';
import { createServiceRef } from '../../../core/kernel/refs';
import { coreServices } from '../../../core/services';
import { roomSealStatusPoint } from '../../registration/api';
import * as sealApi from '../api';
import { SEAL_STEP, sealChecksPoint } from '../api';
import { workflowStepsPoint } from '../../../core/http/workflow-steps';
import { donglePresentCheck, freeDiskCheck, passwordChangedCheck } from './core-seal-checks';
import { sealMigrations } from './seal-migrations';
import { RoomSealStatusFromRuns } from './room-seal-status';
import { SealRunRow } from './seal-run-row';
import { mountSealRoutes } from './seal-routes';
import { SealService } from './seal-service';

const sealServiceRef = createServiceRef<SealService>('seal.service', '封场检测服务（插件内部）');

/** Free disk below this fails 封场检测. */
const MIN_FREE_DISK_MB = 1024;

/** 4 封场检测 (R5): the check list other plugins contribute to, stored runs, the report. */
export const plugin = definePlugin({
  manifest: { id: 'seal', version: '1.0.0', host: '^0.1.0', displayName: '封场检测', stage: 'seal' },
  publicApi: sealApi,
  register(env) {
    env.registerEntities([SealRunRow]);
    env.registerMigrations(sealMigrations);
    env.declareExtensionPoint(sealChecksPoint);
    // The facts core owns (dongle, disk, password): core names no stage, so the seal plugin asks.
    env.extendWith(sealChecksPoint, { deps: { dongles: coreServices.dongle }, factory: donglePresentCheck });
    env.extendWith(sealChecksPoint, {
      deps: { config: coreServices.config },
      factory: ({ config }) => freeDiskCheck({ dataDir: config.dataDir, minFreeDiskMb: MIN_FREE_DISK_MB }),
    });
    env.extendWith(sealChecksPoint, { deps: { auth: coreServices.adminAuth, settings: coreServices.settings }, factory: passwordChangedCheck });
    env.provideService(sealServiceRef, {
      deps: { store: coreServices.store, outbox: coreServices.outbox, live: coreServices.liveEvents, settings: coreServices.settings, clock: coreServices.clock },
      factory: ({ store, outbox, live, settings, clock }) =>
        new SealService({ store, outbox, live, settings, now: async () => (await clock.now().catch(() => null)) ?? new Date() }),
    });
    env.extendWith(workflowStepsPoint, {
      deps: { seal: sealServiceRef },
      factory: ({ seal }) => ({ id: 'seal.last-run-passed', step: SEAL_STEP.step, done: async () => (await seal.lastRun())?.passed === true }),
    });
    env.extendWith(roomSealStatusPoint, { deps: { store: coreServices.store }, factory: ({ store }) => new RoomSealStatusFromRuns(store) });
    env.registerInit({
      deps: { http: coreServices.http, auth: coreServices.adminAuth, seal: sealServiceRef, participation: coreServices.dataParticipation },
      init({ http, auth, seal, participation }, extensions) {
        // 系统初始化 clears the stored runs (and so the registration table's 封场检测 column).
        participation.participate({ label: '封场检测记录', clear: async (em) => em.clear(SealRunRow) });
        seal.useChecks(extensions.get(sealChecksPoint));
        mountSealRoutes(http, auth.guard, seal);
      },
    });
  },
});
