import type { DependencyContainer } from 'tsyringe';
import type { Logger } from 'pino';
import type { ExamSiteConfig } from './config/config';
import type { PluginConfigReader } from './config/plugin-config';
import { createServiceRef } from './kernel/refs';
import type { Store } from './store/store';
import type { PluginHttp } from './http/http-registry';
import type { LiveEvents } from './events/live-events';
import type { HardwareEvents } from './events/hardware-events';
import type { SiteSettings } from './settings/site-settings';
import type { AdminAuthService } from './auth/admin-auth';
import type { AuditLog } from './auth/audit';
import type { StatusService } from './http/status';
import type { CentreClient } from './centre/centre-client';
import type { Outbox } from './centre/outbox';
import type { DongleService } from './dongle/dongle-service';
import type { TrustedClock } from './clock/trusted-clock';
import type { DataParticipants, DataParticipation } from './lifecycle/data-participants';
import type { HostControl } from './lifecycle/host-control';
import type { DurableFileStore } from './files/durable-file-store';
import type { SiteCertificate } from './net/site-certificate';

/**
 * Where a plugin keeps its files: `<dataDir>/plugins/<pluginId>/` (`dir`), with resumable
 * hashed sinks (`begin`), durable whole-file writes and crash sweeps (core/files).
 */
export type PluginFiles = DurableFileStore;

export interface Lifecycle {
  /** Runs at shutdown, in reverse start order. */
  onShutdown(hook: () => Promise<void> | void): void;
  /** Runs once every plugin has started and the HTTP server listens. */
  onReady(hook: () => Promise<void> | void): void;
}

/**
 * The services the host gives every plugin. Plugins name them by these refs only; the
 * kernel never looks anything up by a string.
 */
export const coreServices = {
  config: createServiceRef<ExamSiteConfig>('core.config', '生效的配置'),
  /** This plugin's own configuration section (`plugins.<id>`, EXAMSITE_<ID>_<KEY>). */
  pluginConfig: createServiceRef<PluginConfigReader>('core.pluginConfig', '本插件的配置'),
  logger: createServiceRef<Logger>('core.logger', '本插件的日志'),
  store: createServiceRef<Store>('core.store', '数据库（写操作串行）'),
  http: createServiceRef<PluginHttp>('core.http', '本插件的 HTTP 路由'),
  liveEvents: createServiceRef<LiveEvents>('core.liveEvents', '推送到管理界面的实时事件'),
  hardwareEvents: createServiceRef<HardwareEvents>('core.hardwareEvents', '硬件事件（机考锁插拔等）'),
  settings: createServiceRef<SiteSettings>('core.settings', '考点代码与考试模式'),
  adminAuth: createServiceRef<AdminAuthService>('core.adminAuth', '管理员认证'),
  audit: createServiceRef<AuditLog>('core.audit', '审计日志'),
  status: createServiceRef<StatusService>('core.status', '状态栏'),
  lifecycle: createServiceRef<Lifecycle>('core.lifecycle', '启动/关闭钩子'),
  files: createServiceRef<PluginFiles>('core.files', '本插件的数据目录：可续传、边写边校验的持久文件（core/files）'),
  container: createServiceRef<DependencyContainer>('core.container', '本插件的 tsyringe 子容器'),
  centre: createServiceRef<CentreClient>('core.centre', '监控平台客户端（docs/centre-protocol.md）'),
  outbox: createServiceRef<Outbox>('core.outbox', '发往监控平台的上报（先入库，确认后才算送达）'),
  dongle: createServiceRef<DongleService>('core.dongle', '机考锁（硬件或模拟）'),
  clock: createServiceRef<TrustedClock>('core.clock', '可信时间（机考锁时钟）'),
  /** A plugin declares what data it owns (its rows' clear, its folders, after a restore). */
  dataParticipation: createServiceRef<DataParticipation>('core.dataParticipation', '本插件参与初始化/备份/恢复的数据'),
  /** Every plugin's data participant, for the system stage (初始化, 备份, 恢复). */
  dataParticipants: createServiceRef<DataParticipants>('core.dataParticipants', '各插件的数据参与者'),
  hostControl: createServiceRef<HostControl>('core.hostControl', '进程内重启与退出'),
  /** The site's TLS certificate (HTTPS on the site port, FTP AUTH TLS); proctors pin its fingerprint. */
  siteCertificate: createServiceRef<SiteCertificate>('core.siteCertificate', '考点 TLS 证书（监考机按指纹校验）'),
};
