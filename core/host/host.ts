import path from 'node:path';
import type Koa from 'koa';
import type { Logger } from 'pino';
import { useChineseZodMessages } from '../config/zod-chinese-messages';
import { AdminAuthService } from '../auth/admin-auth';
import { AuditLog } from '../auth/audit';
import { HttpCentreClient, StoreOutbox, startCentreLink, type CentreLink } from '../centre';
import { describeConfig, type ExamSiteConfig } from '../config/config';
import { readPluginConfig, withTestConfig } from '../config/plugin-config';
import { HardwareEvents } from '../events/hardware-events';
import { LiveEvents } from '../events/live-events';
import { createKoaApp, sseHandler } from '../http/app';
import { eventsQuerySchema, statusTopic } from '../http/status-topic';
import { AppError } from '../http/errors';
import { mountCoreRoutes } from '../http/core-routes';
import { siteLanUrl } from '../net/site-address';
import { loadOrCreateSiteCertificate } from '../net/site-certificate';
import type { StartSummary } from './start-banner';
import { HttpRegistry, PluginHttp } from '../http/http-registry';
import { OpenApiDocument } from '../http/openapi';
import { listenHttp } from '../http/http-listener';
import { serveVendorWeb, serveWeb } from '../http/static-files';
import { SiteBoundary } from '../http/site-boundary';
import { StatusService } from '../http/status';
import { statusItemsPoint } from '../http/status-items';
import { mountWorkflowProgressRoute, WorkflowProgress, workflowStepsPoint } from '../http/workflow-steps';
import { workflowProgressTopic } from '../http/workflow-progress-topic';
import { Kernel, pluginService, rootService, type CoreServiceFactory } from '../kernel/kernel';
import { discoverBuiltinPlugins, discoverWorkflow, type LoadedPlugin } from '../kernel/loader';
import type { PluginDefinition } from '../kernel/plugin';
import { createLogger } from '../logging/logger';
import { coreServices, type Lifecycle } from '../services';
import { SiteSettings } from '../settings/site-settings';
import { Store } from '../store/store';
import { DurableFileStore } from '../files/durable-file-store';
import { ensurePrivateDir } from '../files/private-files';
import { DataParticipants, type DataParticipation } from '../lifecycle/data-participants';
import { applyPendingSwap } from '../lifecycle/data-swap';
import type { HostControl } from '../lifecycle/host-control';
import { hostApiForVendors } from './host-api';
import { RestartableHost } from './restartable-host';
import { mountVendorStatusRoute, prepareVendorSite } from './vendor-site';
import { createDongleService, createTrustedClock, forwardDongleEvents } from './trust-services';
import { mountClockRoutes } from '../http/clock-routes';

// zh-CN default messages for every zod check that has no message of its own.
useChineseZodMessages();

export const PRODUCT_TITLE = '1+X 职业技能等级证书试点考试 | 考点管理系统';

export function hostVersion(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('../../../package.json') as { version: string }).version;
}

export interface HostOptions {
  readonly config: ExamSiteConfig;
  /** Plugins to load instead of discovering the built-in ones (tests). */
  readonly plugins?: readonly PluginDefinition[];
  /** Extra or replacement core services (tests: fakes for dongle, clock, centre). */
  readonly coreServiceOverrides?: readonly CoreServiceFactory[];
  readonly logger?: Logger;
  /** Called when the product asked to exit (退出系统) once the host stopped; `npm start` exits the process. */
  readonly onExit?: () => void;
  /** false: no HTTP server at all; the caller serves `app.callback()` itself (tests). */
  readonly listen?: boolean;
  /** Tests: each plugin's `testConfig` lies under its configuration section (free LAN ports). */
  readonly pluginTestConfig?: boolean;
  /** Called each time the host is ready (also after an in-process restart): `npm start` prints the banner. */
  readonly onReady?: (summary: StartSummary) => void;
}

export interface RunningHost {
  readonly url: string;
  readonly port: number;
  readonly kernel: Kernel;
  readonly app: Koa;
  readonly store: Store;
  stop(): Promise<void>;
}

/** The product's host, which can restart in process (after a restore) and exit on request. */
export interface ControlledHost extends RunningHost {
  readonly control: HostControl;
  /** Resolves once the host restarted so many times (tests). */
  readonly restarts: number;
}

/** Composition root: builds the core services, loads plugins, starts them, listens. */
export function startHost(options: HostOptions): Promise<ControlledHost> {
  return RestartableHost.start(options, bootHost);
}

/** One boot of the host: what a restart stops and builds again. */
export async function bootHost(options: HostOptions, control: HostControl): Promise<RunningHost> {
  const started = Date.now();
  const config = options.config;
  const logger = options.logger ?? createLogger(config.logLevel);
  logger.info({ config: describeConfig(config) }, '生效配置');
  ensurePrivateDir(config.dataDir);

  const version = hostVersion();
  const live = new LiveEvents();
  const hardware = new HardwareEvents((event, err) => logger.warn({ err, event }, '硬件事件处理插件出错'));
  const openapi = new OpenApiDocument({ title: PRODUCT_TITLE, version });
  const registry = new HttpRegistry(openapi);
  const shutdownHooks: (() => Promise<void> | void)[] = [];
  const readyHooks: (() => Promise<void> | void)[] = [];
  let store: Store | null = null;
  let centreLink: CentreLink | null = null;
  const openStore = (): Store => {
    if (!store) throw new Error('数据库尚未打开');
    return store;
  };
  // Filled once the plugins are known; read when a plugin first asks for its configuration.
  const testConfigs = new Map<string, Readonly<Record<string, unknown>>>();
  const participants = new DataParticipants(config.dataDir, openStore, logger.child({ part: 'data-participants' }));

  const core: CoreServiceFactory[] = [
    rootService(coreServices.config, {}, () => config),
    rootService(coreServices.liveEvents, {}, () => live),
    rootService(coreServices.hardwareEvents, {}, () => hardware),
    rootService(coreServices.store, {}, openStore),
    rootService(coreServices.audit, { store: coreServices.store }, ({ store: s }) =>
      new AuditLog(s, logger, { maxAgeDays: config.auditRetentionDays, maxRows: config.auditMaxRows, coalesceWindowMs: config.auditCoalesceSeconds * 1000 }),
    ),
    rootService(coreServices.settings, { store: coreServices.store }, async ({ store: s }) => {
      const settings = new SiteSettings(s);
      await settings.load();
      return settings;
    }),
    rootService(coreServices.status, { settings: coreServices.settings, live: coreServices.liveEvents }, ({ settings, live: l }) => new StatusService(settings, l)),
    rootService(coreServices.adminAuth, { store: coreServices.store, audit: coreServices.audit }, ({ store: s, audit }) => new AdminAuthService(s, audit, config.adminSessionIdleMinutes * 60_000)),
    rootService(coreServices.dongle, {}, () => createDongleService(config, logger)),
    rootService(coreServices.clock, { dongle: coreServices.dongle, store: coreServices.store }, ({ dongle, store: s }) => createTrustedClock(config, dongle, s)),
    rootService(coreServices.centre, { cfg: coreServices.config }, ({ cfg }) =>
      new HttpCentreClient({ baseUrl: cfg.centreUrl, timeoutMs: cfg.centreTimeoutMs, trustedKeys: cfg.centreKeys }),
    ),
    rootService(
      coreServices.outbox,
      { store: coreServices.store, centre: coreServices.centre, settings: coreServices.settings, live: coreServices.liveEvents, cfg: coreServices.config },
      ({ store: s, centre, settings, live: l, cfg }) =>
        new StoreOutbox({
          store: s,
          centre,
          site: settings,
          live: l,
          retryBaseMs: cfg.centreRetryBaseMs,
          retryMaxMs: cfg.centreRetryMaxMs,
          log: logger.child({ part: 'centre-outbox' }),
        }),
    ),
    pluginService(coreServices.logger, {}, (_d, scope) => logger.child({ plugin: scope.manifest.id })),
    pluginService(coreServices.pluginConfig, {}, (_d, scope) => {
      const testConfig = options.pluginTestConfig ? testConfigs.get(scope.manifest.id) : undefined;
      const effective = testConfig ? withTestConfig(config, scope.manifest.id, testConfig) : config;
      return { read: (schema) => readPluginConfig(effective, scope.manifest.id, schema) };
    }),
    pluginService(coreServices.http, {}, (_d, scope) => new PluginHttp(registry, `/api/${scope.manifest.id}`)),
    pluginService(coreServices.container, {}, (_d, scope) => scope.container),
    pluginService(coreServices.files, { cfg: coreServices.config, store: coreServices.store }, ({ cfg, store: s }, scope) =>
      DurableFileStore.openAt(path.join(cfg.dataDir, 'plugins', scope.manifest.id), s),
    ),
    rootService(coreServices.hostControl, {}, () => control),
    rootService(coreServices.siteCertificate, {}, () => loadOrCreateSiteCertificate(config.dataDir)),
    rootService(coreServices.dataParticipants, {}, () => participants),
    pluginService(coreServices.dataParticipation, {}, (_d, scope): DataParticipation => ({
      participate: (p) => participants.add(scope.manifest.id, p),
    })),
    pluginService(coreServices.lifecycle, {}, (): Lifecycle => ({
      onShutdown: (hook) => shutdownHooks.push(hook),
      onReady: (hook) => readyHooks.push(hook),
    })),
  ];
  const overrides = new Map((options.coreServiceOverrides ?? []).map((f) => [f.ref.token, f]));
  const factories = [...core.filter((f) => !overrides.has(f.ref.token)), ...overrides.values()];

  const builtinRoot = path.resolve(__dirname, '../../plugins');
  const kernel = new Kernel({
    hostVersion: version,
    logger: { info: (m) => logger.info(m), error: (m) => logger.error(m) },
    coreServices: factories,
    workflow: discoverWorkflow(builtinRoot),
    hostPoints: [statusItemsPoint, workflowStepsPoint],
  });

  const loaded: LoadedPlugin[] = options.plugins
    ? options.plugins.map((definition) => ({ definition, origin: 'test' }))
    : discoverBuiltinPlugins(builtinRoot);
  for (const p of loaded) if (p.definition.testConfig) testConfigs.set(String(p.definition.manifest.id), p.definition.testConfig);
  const builtinApis = Object.fromEntries(loaded.map((p) => [p.definition.manifest.id, p.definition]));
  const builtinIds = new Set(loaded.map((p) => String(p.definition.manifest.id)));
  const vendors = prepareVendorSite(config.vendorPluginDir, hostApiForVendors(builtinApis), { hostVersion: version, builtinIds }, logger);
  for (const p of [...loaded, ...vendors.plugins]) kernel.add(p.definition, p.origin);
  kernel.register();

  // A restore committed before a restart or a crash is finished before anything opens the data.
  const restored = applyPendingSwap(config.dataDir);
  store = await Store.open({ dataDir: config.dataDir, databaseUrl: config.databaseUrl, schema: kernel.schemaRegistry });
  store.onHookError = (e) => logger.error({ err: e }, '数据提交后的后续处理出错（数据已保存）');
  try {
    const auth = await kernel.get(coreServices.adminAuth);
    await auth.ensureDefaultAdmin();
    const audit = await kernel.get(coreServices.audit);
    audit.startRetention();
    shutdownHooks.push(() => audit.stop());
    const settings = await kernel.get(coreServices.settings);
    participants.add('core', settings.dataParticipant());
    const status = await kernel.get(coreServices.status);
    const dongles = await kernel.get(coreServices.dongle);
    const clock = await kernel.get(coreServices.clock);
    forwardDongleEvents(dongles, hardware, status, logger);
    await dongles.start();
    shutdownHooks.unshift(() => dongles.stop());
    status.setProviders({
      dongle: () => {
        const d = dongles.status();
        return { present: d.present, id: d.id, kind: d.kind, label: d.label ?? '机考锁', ...(d.message ? { message: d.message } : {}) };
      },
      trustedTime: () => clock.now(),
    });
    // R1.1: without a dongle nothing but the login page's notice works.
    auth.setPrecondition(() => {
      const d = dongles.status();
      if (!d.present) throw new AppError(503, 'DONGLE_ABSENT', d.message ?? '未检测到机考锁，请插入机考锁后重新启动');
    });
    await kernel.start();
    status.setItems(await kernel.hostContributions(statusItemsPoint));
    const progress = new WorkflowProgress(live);
    progress.setFacts(await kernel.hostContributions(workflowStepsPoint));
    progress.start();
    shutdownHooks.push(() => progress.stop());
    mountWorkflowProgressRoute(new PluginHttp(registry, '/api'), auth.guard, progress);

    const vendorWeb = vendors.webDirs();
    mountVendorStatusRoute(new PluginHttp(registry, '/api'), auth.guard, vendors);
    mountCoreRoutes({
      http: new PluginHttp(registry, '/api'),
      auth,
      settings,
      status,
      product: { title: PRODUCT_TITLE, version },
      vendorWebModules: () => vendors.webModules(),
      openapi: () => openapi.document(),
    });
    mountClockRoutes({
      http: new PluginHttp(registry, '/api'),
      guard: auth.guard,
      clock,
      hardware,
      settings,
      centre: await kernel.get(coreServices.centre),
      dongles,
    });
    const events = sseHandler(live, (send, topics) => {
      if (!topics || topics.has(statusTopic.id)) void status.snapshot().then((s) => send(statusTopic.id, s));
      if (!topics || topics.has(workflowProgressTopic.id)) void progress.snapshot().then((p) => send(workflowProgressTopic.id, p));
    });
    new PluginHttp(registry, '/api').route({
      method: 'get',
      path: '/events',
      operationId: 'streamEvents',
      summary: '实时事件（server-sent events）：状态栏 status 及各插件的实时主题；登录失效时流即结束',
      description: '`topics` 为逗号分隔的主题名（如 `status,centre.outbox`），只发送这些主题；省略时发送全部。',
      tags: ['系统'],
      guard: auth.guard,
      query: eventsQuerySchema,
      response: null,
      rawResponses: [{ status: 200, description: 'text/event-stream：每条事件为 `event: <类型>` 与 `data: <JSON>`，连接后先发送一次 status', contentTypes: ['text/event-stream'] }],
      handler: ({ koa, principal, query }) =>
        events(koa, query.topics ? new Set(query.topics.split(',')) : null, (end) => auth.watchSession(principal, end)),
    });
    const webDir = config.webDir || path.resolve(__dirname, '../../web');
    const boundary = new SiteBoundary({
      ownNames: [config.host, config.publicHost],
      adminAllowFrom: config.adminAllowFrom,
      isLanRoute: (method, p) => registry.isLanRoute(method, p),
    });
    const app = createKoaApp({
      logger,
      registry,
      before: [boundary.middleware()],
      after: [serveVendorWeb(vendorWeb), serveWeb(webDir)],
    });

    // listen: false (core/testing/test-kernel.ts) drives app.callback() in process, no port.
    const limits = {
      minBytesPerSecond: config.requestMinBytesPerSecond,
      windowMs: config.requestRateWindowSeconds * 1000,
      headersTimeoutMs: config.requestHeadersTimeoutSeconds * 1000,
    };
    const certificate = await kernel.get(coreServices.siteCertificate);
    const listener = options.listen === false ? null : await listenHttp(app, config.host, config.port, limits, certificate);
    const port = listener?.port ?? 0;
    status.setLan('running', port);
    status.startTicker();
    // Reports pending from before a restart go out now; the status bar follows the centre.
    const link = startCentreLink({
      centre: await kernel.get(coreServices.centre),
      outbox: await kernel.get(coreServices.outbox),
      setNetwork: (state) => status.setNetwork(state),
      probeIntervalMs: config.centreProbeIntervalMs,
    });
    centreLink = link;
    for (const hook of readyHooks) await hook();
    if (restored) await participants.afterRestore();
    const shownHost = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
    const url = `http://${shownHost}:${port}`;
    // 事件日志 lists restarts (issue 13 point 6).
    await audit.record('host', 'host.started', { version, restored });
    const site = settings.get();
    const summary: StartSummary = {
      uiUrl: url,
      lanUrl: siteLanUrl(config.publicHost, port, shownHost),
      lanTlsUrl: siteLanUrl(config.publicHost, port, shownHost, 'https'),
      tlsFingerprint256: certificate.fingerprint256,
      dataDir: config.dataDir,
      mode: site.mode,
      siteCode: site.siteCode,
      services: (await status.snapshot()).items.filter((i) => i.address).map((i) => ({ label: i.label, text: i.text, ...(i.address ? { address: i.address } : {}) })),
    };
    // Tests and log readers wait for this line; it carries the banner's facts as fields.
    logger.info({ ms: Date.now() - started, url, ready: summary }, `考点管理系统已启动：${url}`);
    options.onReady?.(summary);

    let stopped = false;
    return {
      url,
      port,
      kernel,
      app,
      store,
      async stop() {
        if (stopped) return;
        stopped = true;
        status.stopTicker();
        await link.stop();
        status.setLan('stopped', port);
        await listener?.close();
        await audit.record('host', 'host.stopped').catch((e: unknown) => logger.error({ err: e }, '记录关闭事件失败'));
        for (const hook of [...shutdownHooks].reverse()) {
          try {
            await hook();
          } catch (e) {
            logger.error({ err: e }, '关闭钩子出错');
          }
        }
        await store?.close();
      },
    };
  } catch (e) {
    await centreLink?.stop();
    await store.close();
    throw e;
  }
}
