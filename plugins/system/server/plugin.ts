import path from 'node:path';
import { definePlugin } from '../../../core/kernel/plugin';
import { coreServices } from '../../../core/services';
import { hostVersion } from '../../../core/host/host';
import * as publicApi from '../api';
import { unreportedDataPoint } from '../api';
import { BackupService, sweepBackupSnapshots } from './backup/backup-service';
import { RestoreService } from './backup/restore-service';
import { MirrorService } from './mirror/mirror-service';
import { VerifiedBackupsFile } from './backup/verified-backups-file';
import { EventLogService } from './event-log/event-log-service';
import { mountEventLogRoutes } from './event-log/event-log-routes';
import { InitializationService } from './initialization-service';
import { mountSystemRoutes } from './system-routes';
import { UnreportedData } from './unreported-data';

/** 系统管理 (R9, manual §6): 系统备份, 系统恢复, 系统初始化, 退出系统 and its guard, 事件日志. */
export const plugin = definePlugin({
  manifest: { id: 'system', version: '1.0.0', host: '^0.1.0', displayName: '系统管理' },
  publicApi,
  register(env) {
    env.declareExtensionPoint(unreportedDataPoint);
    env.registerInit({
      deps: {
        http: coreServices.http,
        auth: coreServices.adminAuth,
        store: coreServices.store,
        settings: coreServices.settings,
        dongles: coreServices.dongle,
        audit: coreServices.audit,
        config: coreServices.config,
        files: coreServices.files,
        logger: coreServices.logger,
        participants: coreServices.dataParticipants,
        participation: coreServices.dataParticipation,
        control: coreServices.hostControl,
        lifecycle: coreServices.lifecycle,
      },
      async init(d, extensions) {
        const swept = await sweepBackupSnapshots(d.files.tmpDir);
        if (swept > 0) d.logger.warn({ swept }, '已清理中断的系统备份留下的临时快照');
        const unreported = new UnreportedData(extensions.get(unreportedDataPoint), d.settings);
        // R9.5: 退出系统 and stop signals ask the same question.
        d.control.setStopGuard(() => unreported.blockers());
        const productVersion = hostVersion();
        const common = { store: d.store, participants: d.participants, settings: d.settings, dongles: d.dongles, dataDir: d.config.dataDir, productVersion };
        const backups = new BackupService({
          ...common,
          audit: d.audit,
          workDir: d.files.tmpDir,
          verifiedLog: new VerifiedBackupsFile(path.join(d.files.dir, 'verified-backups.json')),
        });
        const restores = new RestoreService(common);
        const mirror = new MirrorService({
          store: d.store,
          participants: d.participants,
          backups,
          dataDir: d.config.dataDir,
          workDir: d.files.tmpDir,
          settingFile: path.join(d.files.dir, 'mirror.json'),
          logError: (err, what) => d.logger.warn({ err }, what),
        });
        d.lifecycle.onShutdown(() => mirror.stop());
        d.participation.participate({
          label: '系统管理',
          afterRestore: () => d.audit.record('system', 'system.restored'),
        });
        mountSystemRoutes(d.http, {
          auth: d.auth,
          settings: d.settings,
          unreported,
          initialization: new InitializationService(d.participants, unreported, d.settings, d.audit),
          backups,
          restores,
          mirror,
          control: d.control,
          audit: (actor, folder) => d.audit.record(actor, 'system.mirror', { folder }),
          backupSupported: d.store.dialect === 'sqlite',
          logError: (err, what) => d.logger.error({ err }, what),
        });
        mountEventLogRoutes(d.http, { auth: d.auth, events: new EventLogService({ audit: d.audit, settings: d.settings, dongles: d.dongles }) });
      },
    });
  },
});
