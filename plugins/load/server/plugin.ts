import path from 'node:path';
import { definePlugin } from '../../../core/kernel/plugin';
import { coreServices } from '../../../core/services';
import { MODE_LABEL } from '../../../core/settings/site-settings';
import { examDataServiceRef, LOAD_STEP, loadContentHandlersPoint } from '../api';
import { workflowStepsPoint } from '../../../core/http/workflow-steps';
import * as publicApi from '../api';
import { DEFAULT_PACKAGE_LIMITS } from '../api/package-format';
import { sealChecksPoint } from '../../seal/api';
import { ContentFileStore } from './content-file-store';
import { loadSealCheck } from './seal-check';
import { loadEntities } from './entities';
import { ExamDataStore } from './exam-data-store';
import { examDataStoreRef } from './internal-refs';
import { mountLoadRoutes } from './load-routes';
import { LoadService } from './load-service';
import { loadMigrations } from './migrations/load-init';

/** 载入考务 (R2): the exam data package — download or import, verify, store, check. */
export const plugin = definePlugin({
  manifest: { id: 'load', version: '1.0.0', host: '^0.1.0', displayName: '载入考务', stage: 'load' },
  publicApi,
  register(env) {
    env.registerEntities(loadEntities);
    env.registerMigrations(loadMigrations);
    env.declareExtensionPoint(loadContentHandlersPoint);
    env.extendWith(sealChecksPoint, { deps: { examData: examDataServiceRef }, factory: ({ examData }) => loadSealCheck(examData) });
    // Step 1 is done when what 封场检测 asks of it holds: the data loaded and passed 校验.
    env.extendWith(workflowStepsPoint, {
      deps: { examData: examDataServiceRef },
      factory: ({ examData }) => ({ id: 'load.data-verified', step: LOAD_STEP.step, done: async () => (await loadSealCheck(examData).run()).passed }),
    });

    env.provideService(examDataStoreRef, {
      deps: { store: coreServices.store, files: coreServices.files },
      factory: ({ store, files }) => new ExamDataStore(store, new ContentFileStore(path.join(files.dir, 'content'), files.tmpDir)),
    });
    env.provideService(examDataServiceRef, { deps: { data: examDataStoreRef }, factory: ({ data }) => data });

    env.registerInit({
      deps: {
        http: coreServices.http,
        auth: coreServices.adminAuth,
        data: examDataStoreRef,
        settings: coreServices.settings,
        config: coreServices.config,
        centre: coreServices.centre,
        live: coreServices.liveEvents,
        audit: coreServices.audit,
        logger: coreServices.logger,
        status: coreServices.status,
        lifecycle: coreServices.lifecycle,
        participation: coreServices.dataParticipation,
        files: coreServices.files,
      },
      async init({ http, auth, data, settings, config, centre, live, audit, logger, status, lifecycle, participation, files }, extensions) {
        participation.participate(data.dataParticipant());
        const limits = DEFAULT_PACKAGE_LIMITS;
        const service = new LoadService({
          data,
          files,
          settings,
          trustedKeys: config.centreKeys,
          handlers: extensions.get(loadContentHandlersPoint),
          limits,
          centre,
          live,
          audit,
          logger,
          networkUp: () => status.networkState === 'up',
        });

        // Content files left behind by an import interrupted before its commit.
        const swept = await data.content.sweep(await data.referencedContent());
        if (swept > 0) logger.info({ swept }, '已清理未提交的试题文件');

        // R9.6: mock data never mixes with formal data.
        settings.addModeChangeGuard(async (_from, to) => {
          const release = await data.currentRelease();
          if (!release || release.mode === to) return null;
          return `已载入${MODE_LABEL[release.mode]}数据，切换为${MODE_LABEL[to]}前请先执行系统初始化`;
        });

        const unsubscribe = status.onNetworkChange((state) => {
          if (state === 'up') service.onNetworkUp().catch((e: unknown) => logger.warn({ err: e }, '网络恢复后的发布时间校验失败'));
        });
        lifecycle.onShutdown(unsubscribe);
        lifecycle.onReady(() => {
          if (status.networkState === 'up') void service.onNetworkUp().catch(() => undefined);
        });

        mountLoadRoutes({ http, guard: auth.guard, data, service, settings, limits });
      },
    });
  },
});
