import type { Logger } from 'pino';
import { z } from 'zod';
import type { AdminPrincipal } from '../auth/admin-auth';
import type { PluginHttp } from '../http/http-registry';
import type { AuthGuard } from '../http/route';
import { loadVendorPlugins, type DisabledVendorPlugin, type LoadedPlugin, type VendorLoadContext } from '../kernel/loader';
import { guardVendorPlugin } from '../kernel/vendor-guard';

/** One entry of GET /api/plugins/web: a vendor panel module the shell imports. */
export interface VendorWebModule {
  readonly pluginId: string;
  readonly url: string;
  readonly webHostApi?: string;
}

/** The vendor plugins of this site: those that run, and those disabled with their reason. */
export interface VendorSite {
  /** Definitions to add to the kernel, guarded: an optional one's failure disables it. */
  readonly plugins: readonly LoadedPlugin[];
  /** Disabled at load, at register or at init; shown by GET /api/plugins/disabled. */
  readonly disabled: readonly DisabledVendorPlugin[];
  /** Web folders of the plugins still running, by plugin id (served at /plugins/<id>/web/). */
  webDirs(): ReadonlyMap<string, string>;
  webModules(): VendorWebModule[];
}

export function prepareVendorSite(dir: string, hostApi: unknown, context: VendorLoadContext, logger: Logger): VendorSite {
  const loaded = loadVendorPlugins(dir, hostApi, context);
  const disabled: DisabledVendorPlugin[] = [];
  const disable = (d: DisabledVendorPlugin): void => {
    logger.warn({ plugin: d.pluginId, folder: d.folder }, d.reason);
    disabled.push(d);
  };
  for (const d of loaded.disabled) disable(d);
  const plugins = loaded.plugins.map((p) => ({
    ...p,
    definition: guardVendorPlugin(p.definition, p.required === true, (pluginId, reason) => disable({ pluginId, folder: p.origin, reason })),
  }));
  const running = (): LoadedPlugin[] => plugins.filter((p) => !disabled.some((d) => d.pluginId === p.definition.manifest.id));
  return {
    plugins,
    disabled,
    webDirs: () => new Map(running().flatMap((p) => (p.webDir && p.webEntry ? [[String(p.definition.manifest.id), p.webDir] as const] : []))),
    webModules: () =>
      running().flatMap((p) =>
        p.webDir && p.webEntry
          ? [{ pluginId: String(p.definition.manifest.id), url: `/plugins/${p.definition.manifest.id}/web/${p.webEntry}`, ...(p.webHostApi ? { webHostApi: p.webHostApi } : {}) }]
          : [],
      ),
  };
}

/** GET /api/plugins/disabled: the shell shows these as a warning after login. */
export function mountVendorStatusRoute(http: PluginHttp, guard: AuthGuard<AdminPrincipal>, site: VendorSite): void {
  http.route({
    method: 'get',
    path: '/plugins/disabled',
    operationId: 'listDisabledPlugins',
    summary: '未能加载而已停用的厂商插件及原因（其余功能照常运行）',
    tags: ['系统'],
    guard,
    response: z.array(z.object({ pluginId: z.string(), reason: z.string() })),
    handler: () => site.disabled.map((d) => ({ pluginId: d.pluginId, reason: d.reason })),
  });
}
