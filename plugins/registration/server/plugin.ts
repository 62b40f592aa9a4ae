import { definePlugin, type PluginDefinition } from '../../../core/kernel/plugin';
import { createServiceRef } from '../../../core/kernel/refs';
import { coreServices } from '../../../core/services';
import { examDataServiceRef } from '../../load/api';
import { sealChecksPoint } from '../../seal/api';
import { registrationSealCheck } from './seal-check';
import * as registrationApi from '../api';
import { proctorApiRef, proctorCredentialsRef, REGISTRATION_STEP, registrationDirectoryRef, roomSealStatusPoint } from '../api';
import { workflowStepsPoint } from '../../../core/http/workflow-steps';
import { ProctorCredentialVerifier } from './proctor-credential-check';
import { mountAdminRoutes } from './admin-routes';
import { DEFAULT_GUESS_LIMITS, GuessThrottle, type GuessLimits } from './guess-throttle';
import { ProctorLanApi } from './proctor-lan-api';
import { mountProctorRoutes } from './proctor-routes';
import { registrationMigrations } from './registration-migrations';
import { RegistrationService } from './registration-service';
import { RegistrationRevocationRow } from './registration-revocation-row';
import { RoomRegistrationRow } from './room-registration-row';
import { SiteInfoService } from './site-info-service';

/** This plugin's own service; other plugins use registrationDirectoryRef / proctorApiRef. */
const registrationServiceRef = createServiceRef<RegistrationService>('registration.service', '考场注册服务（插件内部）');
const proctorLanApiRef = createServiceRef<ProctorLanApi>('registration.proctorLanApi', '监考机协议路由（插件内部）');

export interface RegistrationPluginOptions {
  /** Wrong-code allowances and lock time (R3.4). */
  readonly guessLimits?: GuessLimits;
}

/** 考场注册 (R3, R11): proctor registration, the proctor LAN API v1, KDINFO export/restore. */
export function createRegistrationPlugin(options: RegistrationPluginOptions = {}): PluginDefinition {
  return definePlugin({
    manifest: { id: 'registration', version: '1.0.0', host: '^0.1.0', displayName: '考场注册', stage: 'registration' },
    publicApi: registrationApi,
    register(env) {
      env.registerEntities([RoomRegistrationRow, RegistrationRevocationRow]);
      env.registerMigrations(registrationMigrations);
      env.declareExtensionPoint(roomSealStatusPoint);
      env.extendWith(sealChecksPoint, {
        deps: { examData: examDataServiceRef, registrations: registrationDirectoryRef },
        factory: ({ examData, registrations }) => registrationSealCheck(examData, registrations),
      });
      env.extendWith(workflowStepsPoint, {
        deps: { examData: examDataServiceRef, registrations: registrationDirectoryRef },
        factory: ({ examData, registrations }) => ({
          id: 'registration.all-registered',
          step: REGISTRATION_STEP.step,
          done: async () => (await registrationSealCheck(examData, registrations).run()).passed,
        }),
      });

      env.provideService(registrationServiceRef, {
        deps: {
          store: coreServices.store,
          examData: examDataServiceRef,
          audit: coreServices.audit,
          live: coreServices.liveEvents,
          logger: coreServices.logger,
        },
        factory: async ({ store, examData, audit, live, logger }) => {
          const service = new RegistrationService(store, examData, audit, live, new GuessThrottle(options.guessLimits ?? DEFAULT_GUESS_LIMITS));
          await service.reload();
          // Rooms dropped by a newer release lose their registrations (R2.5, R3.3).
          const revokeDropped = (roomCodes: readonly string[], releaseTime: string): void => {
            service.revokeDroppedRooms(roomCodes, releaseTime).catch((err: unknown) => logger.error({ err }, '撤销已删除考场的注册失败'));
          };
          examData.onChanged((e) => revokeDropped(e.roomCodes, e.releaseTime));
          const release = await examData.currentRelease();
          if (release) await service.revokeDroppedRooms((await examData.listRooms()).map((r) => r.roomCode), release.releaseTime);
          return service;
        },
      });
      env.provideService(proctorLanApiRef, {
        deps: { http: coreServices.http, registrations: registrationServiceRef },
        factory: ({ http, registrations }) => new ProctorLanApi(http, registrations),
      });
      env.provideService(proctorApiRef, { deps: { api: proctorLanApiRef }, factory: ({ api }) => api });
      env.provideService(proctorCredentialsRef, { deps: { service: registrationServiceRef }, factory: ({ service }) => new ProctorCredentialVerifier(service) });
      env.provideService(registrationDirectoryRef, { deps: { service: registrationServiceRef }, factory: ({ service }) => service });

      env.registerInit({
        deps: {
          http: coreServices.http,
          config: coreServices.config,
          auth: coreServices.adminAuth,
          audit: coreServices.audit,
          store: coreServices.store,
          settings: coreServices.settings,
          dongles: coreServices.dongle,
          examData: examDataServiceRef,
          registrations: registrationServiceRef,
          proctorApi: proctorLanApiRef,
          participation: coreServices.dataParticipation,
          certificate: coreServices.siteCertificate,
        },
        async init({ http, config, auth, audit, store, settings, dongles, examData, registrations, proctorApi, participation, certificate }, extensions) {
          participation.participate(registrations.dataParticipant());
          const siteInfo = new SiteInfoService(examData, registrations, settings, dongles, audit, store);
          mountProctorRoutes(proctorApi, { registrations, examData, settings });
          mountAdminRoutes(http, {
            auth,
            registrations,
            siteInfo,
            examData,
            settings,
            sealSources: extensions.get(roomSealStatusPoint),
            publicHost: config.publicHost,
            certificate,
          });
        },
      });
    },
  });
}

export const plugin = createRegistrationPlugin();
