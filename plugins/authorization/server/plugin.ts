import { definePlugin } from '../../../core/kernel/plugin';
import { createServiceRef } from '../../../core/kernel/refs';
import { coreServices } from '../../../core/services';
import { examDataServiceRef } from '../../load/api';
import { proctorApiRef } from '../../registration/api';
import { sealChecksPoint } from '../../seal/api';
import { allAuthorizedCheck, clockCalibratedCheck } from './seal-checks';
import * as publicApi from '../api';
import { AUTHORIZATION_STEP, authorizationDirectoryRef, VERIFICATION_STEP } from '../api';
import { workflowStepsPoint } from '../../../core/http/workflow-steps';
import { authorizationMigrations } from './authorization-migrations';
import { mountAdminRoutes } from './admin-routes';
import { AuthorizationService } from './authorization-service';
import { mountProctorKeyRoutes } from './proctor-key-routes';
import { SessionAuthorizationRow } from './session-authorization-row';

/** This plugin's own service; others use authorizationDirectoryRef. */
const authorizationServiceRef = createServiceRef<AuthorizationService>('authorization.service', '考试授权服务（插件内部）');

/** 考试授权 (R4) and 授权验证 with key release to proctors (R6.1–R6.3). */
export const plugin = definePlugin({
  manifest: { id: 'authorization', version: '1.0.0', host: '^0.1.0', displayName: '考试授权与授权验证', stage: 'authorization' },
  publicApi,
  register(env) {
    env.registerEntities([SessionAuthorizationRow]);
    env.registerMigrations(authorizationMigrations);
    env.extendWith(sealChecksPoint, { deps: { authorizations: authorizationDirectoryRef }, factory: ({ authorizations }) => allAuthorizedCheck(authorizations) });
    env.extendWith(sealChecksPoint, { deps: { clock: coreServices.clock }, factory: ({ clock }) => clockCalibratedCheck(clock) });
    // The step bar: 3 is done when every session is authorized; 5 when the dongle's clock is
    // calibrated and every session passed 授权验证.
    env.extendWith(workflowStepsPoint, {
      deps: { authorizations: authorizationDirectoryRef },
      factory: ({ authorizations }) => ({
        id: 'authorization.all-authorized',
        step: AUTHORIZATION_STEP.step,
        done: async () => (await allAuthorizedCheck(authorizations).run()).passed,
      }),
    });
    env.extendWith(workflowStepsPoint, {
      deps: { clock: coreServices.clock },
      factory: ({ clock }) => ({ id: 'authorization.clock-calibrated', step: VERIFICATION_STEP.step, done: async () => (await clockCalibratedCheck(clock).run()).passed }),
    });
    env.extendWith(workflowStepsPoint, {
      deps: { authorizations: authorizationDirectoryRef },
      factory: ({ authorizations }) => ({
        id: 'authorization.all-verified',
        step: VERIFICATION_STEP.step,
        done: async () => {
          const sessions = await authorizations.list();
          return sessions.length > 0 && sessions.every((s) => s.verified);
        },
      }),
    });

    env.provideService(authorizationServiceRef, {
      deps: {
        store: coreServices.store,
        settings: coreServices.settings,
        dongles: coreServices.dongle,
        clock: coreServices.clock,
        centre: coreServices.centre,
        examData: examDataServiceRef,
        live: coreServices.liveEvents,
        audit: coreServices.audit,
        config: coreServices.config,
        logger: coreServices.logger,
      },
      factory: (d) =>
        new AuthorizationService({
          store: d.store,
          settings: d.settings,
          dongles: d.dongles,
          clock: d.clock,
          centre: d.centre,
          examData: d.examData,
          live: d.live,
          audit: d.audit,
          logger: d.logger,
          trustedKeys: d.config.centreKeys,
          verificationLeadMinutes: d.config.verificationLeadMinutes,
          calibrationWarnLeadMinutes: d.config.calibrationWarnLeadMinutes,
        }),
    });
    env.provideService(authorizationDirectoryRef, { deps: { service: authorizationServiceRef }, factory: ({ service }) => service });

    env.registerInit({
      deps: {
        http: coreServices.http,
        auth: coreServices.adminAuth,
        settings: coreServices.settings,
        config: coreServices.config,
        proctorApi: proctorApiRef,
        service: authorizationServiceRef,
        lifecycle: coreServices.lifecycle,
        data: coreServices.dataParticipation,
      },
      init({ http, auth, settings, config, proctorApi, service, lifecycle, data }) {
        data.participate(service.dataParticipant());
        mountAdminRoutes(http, { auth, service, settings, leadMinutes: config.verificationLeadMinutes });
        mountProctorKeyRoutes(proctorApi, service);
        lifecycle.onShutdown(() => service.close());
      },
    });
  },
});
