import { definePlugin, type PluginDefinition } from '../../../core/kernel/plugin';
import { createServiceRef } from '../../../core/kernel/refs';
import { coreServices } from '../../../core/services';
import { examDataServiceRef } from '../../load/api';
import { statusItemsPoint } from '../../../core/http/status-items';
import { proctorApiRef, proctorCredentialsRef, registrationDirectoryRef } from '../../registration/api';
import * as collectionApi from '../api';
import { collectionValidatorsPoint, resultIntakeRef } from '../api';
import { mountCollectionAdminRoutes } from './admin-routes';
import { collectionMigrations } from './collection-migrations';
import { CollectionTableService } from './collection-table';
import { ReceiptSigner } from './receipt-signer';
import { ResultIntake } from './result-intake';
import { CollectedResultRow, ResultConflictRow } from './result-rows';
import { mountResultUploadRoutes } from './result-upload-routes';
import { ftpConfigSchema } from './ftp/ftp-config';
import { FtpStatusItem, startFtpIntake } from './ftp/ftp-intake';
import { reportEntities, reportMigrations, startResultReport } from './report/report-module';
import type { CollectedResultsSource } from './report/collected-results';
import { unreportedDataPoint } from '../../system/api';
import { AcceptanceGate, collectionDataParticipant, sweepResultFiles, unreportedResults } from './collection-data';

const intakeImplRef = createServiceRef<ResultIntake>('collection.intakeImpl', '结果数据包接收（插件内部）');

/** 数据回收 (R8.1–R8.4, issue 12): result packages over HTTP (tus), FTP and by hand, the table, reconciliation. */
export function createCollectionPlugin(): PluginDefinition {
  return definePlugin({
    manifest: { id: 'collection', version: '1.0.0', host: '^0.1.0', displayName: '数据回收', stage: 'collection' },
    publicApi: collectionApi,
    // Test sites run the FTP intake on a free port, never on 2121.
    // Test sites: any free control port, and a passive range of their own per test process
    // (parallel suites on one machine otherwise fight over 30000–30099).
    testConfig: { ftpPort: 0, ftpPassivePorts: { min: 31000 + (process.pid % 300) * 100, max: 31000 + (process.pid % 300) * 100 + 99 } },
    register(env) {
      env.registerEntities([CollectedResultRow, ResultConflictRow, ...reportEntities]);
      env.registerMigrations([...collectionMigrations, ...reportMigrations]);
      // FTP服务 in the status bar (R1.5): 运行 only while the FTP server listens.
      const ftpItem = new FtpStatusItem();
      env.extend(statusItemsPoint, ftpItem);
      env.declareExtensionPoint(collectionValidatorsPoint);
      let validators: readonly collectionApi.ResultPackageValidator[] = [];
      const gate = new AcceptanceGate();
      // 系统初始化/退出 in a formal exam wait for the centre to acknowledge every collected package.
      env.extendWith(unreportedDataPoint, { deps: { store: coreServices.store }, factory: ({ store }) => unreportedResults(store) });
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
        factory: ({ dongles, ...deps }) => new ResultIntake({ ...deps, signer: new ReceiptSigner(dongles), gate, validators: () => validators }),
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
          config: coreServices.config,
          pluginConfig: coreServices.pluginConfig,
          logger: coreServices.logger,
          status: coreServices.status,
          lifecycle: coreServices.lifecycle,
          credentials: proctorCredentialsRef,
          audit: coreServices.audit,
          centre: coreServices.centre,
          live: coreServices.liveEvents,
          participation: coreServices.dataParticipation,
          certificate: coreServices.siteCertificate,
        },
        async init(deps, extensions) {
          const { http, auth, store, files, examData, outbox, settings, proctorApi, intake } = deps;
          // Packages, tables: in 系统备份, cleared by 系统初始化 (core/lifecycle).
          deps.participation.participate(collectionDataParticipant({ store, files, gate }));
          const swept = await sweepResultFiles(store, files);
          if (swept > 0) deps.logger.info({ swept }, '已清理未提交的结果数据包文件');
          validators = extensions.get(collectionValidatorsPoint);
          const table = new CollectionTableService(store, examData, outbox, settings);
          mountResultUploadRoutes(proctorApi, files, intake);
          mountCollectionAdminRoutes(http, { auth, files, intake, table, store });
          // FTP upload (issue 12 point 3) into the same acceptance path as HTTP and manual import.
          await startFtpIntake({ ...deps, ftp: deps.pluginConfig.read(ftpConfigSchema), intake, statusItem: ftpItem });
          // 考后上报 (R8.5) over the accepted packages.
          const source: CollectedResultsSource = {
            list: async () =>
              (await store.manager.find(CollectedResultRow, { order: { roomCode: 'ASC', sessionNo: 'ASC' } })).map((row) => ({
                roomCode: row.roomCode,
                sessionNo: row.sessionNo,
                file: files.pathOf(row.file),
                size: row.packageSize,
                sha256: row.packageSha256,
                acceptedAt: row.acceptedAt,
              })),
          };
          startResultReport({ http, auth, store, settings, audit: deps.audit, centre: deps.centre, live: deps.live, examData, source });
        },
      });
    },
  });
}

export const plugin = createCollectionPlugin();
