import { definePlugin, type PluginDefinition } from '../../../core/kernel/plugin';
import { createServiceRef } from '../../../core/kernel/refs';
import { coreServices } from '../../../core/services';
import { examDataServiceRef } from '../../load/api';
import { proctorApiRef, registrationDirectoryRef } from '../../registration/api';
import * as collectionApi from '../api';
import { collectionValidatorsPoint, resultIntakeRef } from '../api';
import { mountCollectionAdminRoutes } from './admin-routes';
import { collectionMigrations } from './collection-migrations';
import { CollectionTableService } from './collection-table';
import { ReceiptSigner } from './receipt-signer';
import { ResultIntake } from './result-intake';
import { CollectedResultRow, ResultConflictRow } from './result-rows';
import { mountResultUploadRoutes } from './result-upload-routes';

const intakeImplRef = createServiceRef<ResultIntake>('collection.intakeImpl', '结果数据包接收（插件内部）');

/** 数据回收 (R8.1–R8.4, issue 12): result packages over HTTP (tus), FTP and by hand, the table, reconciliation. */
export function createCollectionPlugin(): PluginDefinition {
  return definePlugin({
    manifest: { id: 'collection', version: '1.0.0', host: '^0.1.0', displayName: '数据回收', stage: 'collection' },
    publicApi: collectionApi,
    register(env) {
      env.registerEntities([CollectedResultRow, ResultConflictRow]);
      env.registerMigrations(collectionMigrations);
      env.declareExtensionPoint(collectionValidatorsPoint);
      let validators: readonly collectionApi.ResultPackageValidator[] = [];
      env.provideService(intakeImplRef, {
        deps: {
          store: coreServices.store,
          files: coreServices.files,
          examData: examDataServiceRef,
          registrations: registrationDirectoryRef,
          settings: coreServices.settings,
          dongles: coreServices.dongle,
          audit: coreServices.audit,
          outbox: coreServices.outbox,
          live: coreServices.liveEvents,
        },
        // Validators are read at each acceptance: the point's contributions are known at init.
        factory: ({ dongles, ...deps }) => new ResultIntake({ ...deps, signer: new ReceiptSigner(dongles), validators: () => validators }),
      });
      env.provideService(resultIntakeRef, { deps: { intake: intakeImplRef }, factory: ({ intake }) => intake });
      env.registerInit({
        deps: {
          http: coreServices.http,
          auth: coreServices.adminAuth,
          store: coreServices.store,
          files: coreServices.files,
          examData: examDataServiceRef,
          outbox: coreServices.outbox,
          settings: coreServices.settings,
          proctorApi: proctorApiRef,
          intake: intakeImplRef,
        },
        init({ http, auth, store, files, examData, outbox, settings, proctorApi, intake }, extensions) {
          validators = extensions.get(collectionValidatorsPoint);
          const table = new CollectionTableService(store, examData, outbox, settings);
          mountResultUploadRoutes(proctorApi, files, intake);
          mountCollectionAdminRoutes(http, { auth, files, intake, table, store });
        },
      });
    },
  });
}

export const plugin = createCollectionPlugin();
