import fs from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import { z } from 'zod';
import { ManifestError, checkManifest } from './manifest';
import type { PluginDefinition } from './plugin';

export interface LoadedPlugin {
  readonly definition: PluginDefinition;
  readonly origin: string;
  /** Folder of a vendor plugin's prebuilt web module, served at /plugins/<id>/web/. */
  readonly webDir?: string;
  readonly webEntry?: string;
  /** Vendor plugins: the site must not run without it (examsite-plugin.json `required`). */
  readonly required?: boolean;
  /** Vendor plugins: semver range of the web host API its panel was built for. */
  readonly webHostApi?: string;
}

function isPluginDefinition(v: unknown): v is PluginDefinition {
  return typeof v === 'object' && v !== null && 'manifest' in v && typeof (v as { register?: unknown }).register === 'function';
}

/** Built-in stage plugins: every `<root>/<stage>/server/plugin.js` exporting `plugin`. */
export function discoverBuiltinPlugins(root: string): LoadedPlugin[] {
  if (!fs.existsSync(root)) return [];
  const out: LoadedPlugin[] = [];
  for (const name of fs.readdirSync(root).sort()) {
    const file = path.join(root, name, 'server', 'plugin.js');
    if (!fs.existsSync(file)) continue;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(file) as { plugin?: unknown };
    if (!isPluginDefinition(mod.plugin)) throw new ManifestError(name, `内置插件 ${file} 没有导出 plugin`);
    out.push({ definition: mod.plugin, origin: file });
  }
  return out;
}

const workflowSchema = z.array(z.string().regex(/^[a-z][a-z0-9-]{1,40}$/)).min(1);

/**
 * The workflow order is host data, not kernel code: `<root>/workflow.js` exports
 * `workflow`, the stage names in the order the kernel starts their plugins.
 */
export function discoverWorkflow(root: string): readonly string[] {
  const file = path.join(root, 'workflow.js');
  if (!fs.existsSync(file)) return [];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const parsed = workflowSchema.safeParse((require(file) as { workflow?: unknown }).workflow);
  if (!parsed.success) throw new ManifestError('workflow', `工作流定义 ${file} 无效：应导出 workflow（阶段名称的列表）`);
  return parsed.data;
}

const vendorPackageSchema = z
  .object({
    id: z.string(),
    main: z.string().regex(/^[\w./-]+\.c?js$/, 'main 必须是插件目录内的 .js 文件'),
    web: z.string().regex(/^[\w./-]+\.m?js$/, 'web 必须是插件目录内的 .js 文件').optional(),
    /** true: the site must not run without this plugin (a failure stops the boot). */
    required: z.boolean().default(false),
    /** semver range of the web host API (`apiVersion` of @examsite/web-host) the panel needs. */
    webHostApi: z.string().refine((v) => semver.validRange(v) !== null, 'webHostApi 应为版本范围（如 ^1.0.0）').optional(),
  })
  .passthrough();

/** A vendor plugin that could not be loaded and runs disabled; the site runs without it. */
export interface DisabledVendorPlugin {
  readonly pluginId: string;
  readonly folder: string;
  /** Why, in Chinese, with what the operator can do. */
  readonly reason: string;
}

export interface VendorPlugins {
  readonly plugins: LoadedPlugin[];
  readonly disabled: DisabledVendorPlugin[];
}

export interface VendorLoadContext {
  readonly hostVersion: string;
  /** Ids of the built-in plugins loaded; a vendor plugin extending another one is disabled. */
  readonly builtinIds: ReadonlySet<string>;
}

const REMEDY = '请向插件厂商索取与本系统匹配的版本，或移出插件目录后重新启动';

/**
 * Vendor plugins: each folder in `dir` holds `examsite-plugin.json` ({ id, main, web?,
 * required?, … }) and prebuilt JavaScript. `main` exports `createPlugin(hostApi)` returning
 * a plugin definition, so a vendor shares the host's refs without importing our sources.
 * One that fails to load is disabled with its reason; the others and the site go on,
 * unless its package file says `required: true` (then the boot stops with the reason).
 */
export function loadVendorPlugins(dir: string, hostApi: unknown, context: VendorLoadContext): VendorPlugins {
  const result: VendorPlugins = { plugins: [], disabled: [] };
  if (!dir || !fs.existsSync(dir)) return result;
  for (const name of fs.readdirSync(dir).sort()) {
    const folder = path.join(dir, name);
    const pkgFile = path.join(folder, 'examsite-plugin.json');
    if (!fs.statSync(folder).isDirectory() || !fs.existsSync(pkgFile)) continue;
    try {
      result.plugins.push(loadVendorPlugin(name, folder, pkgFile, hostApi, context));
    } catch (e) {
      const reason = e instanceof ManifestError ? e.message : `厂商插件 ${name} 无法加载（${messageOf(e)}）；${REMEDY}`;
      const pluginId = e instanceof ManifestError ? e.pluginId : name;
      if (declaresRequired(pkgFile)) throw new ManifestError(pluginId, `必需的厂商插件 ${name} 无法加载，系统停止启动：${reason}`);
      result.disabled.push({ pluginId, folder, reason });
    }
  }
  return result;
}

/** Read apart from the schema: a malformed package file may still say it is required. */
function declaresRequired(pkgFile: string): boolean {
  try {
    return (JSON.parse(fs.readFileSync(pkgFile, 'utf8')) as { required?: unknown }).required === true;
  } catch {
    return false;
  }
}

function loadVendorPlugin(name: string, folder: string, pkgFile: string, hostApi: unknown, context: VendorLoadContext): LoadedPlugin {
  let pkg: z.infer<typeof vendorPackageSchema>;
  try {
    pkg = vendorPackageSchema.parse(JSON.parse(fs.readFileSync(pkgFile, 'utf8')));
  } catch (e) {
    throw new ManifestError(name, `厂商插件 ${name} 的 examsite-plugin.json 无效（${e instanceof z.ZodError ? e.issues.map((i) => `${i.path.join('.') || '(文件)'}: ${i.message}`).join('；') : messageOf(e)}）；${REMEDY}`);
  }
  if (pkg.main.includes('..') || (pkg.web ?? '').includes('..')) throw new ManifestError(pkg.id, `厂商插件 ${name} 的文件路径不能包含 ..`);
  const mainFile = path.join(folder, pkg.main);
  if (!fs.existsSync(mainFile)) throw new ManifestError(pkg.id, `厂商插件 ${name} 缺少文件 ${pkg.main}；${REMEDY}`);
  if (pkg.web && !fs.existsSync(path.join(folder, pkg.web))) throw new ManifestError(pkg.id, `厂商插件 ${name} 缺少界面文件 ${pkg.web}；${REMEDY}`);
  let mod: { createPlugin?: unknown };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require(mainFile) as { createPlugin?: unknown };
  } catch (e) {
    throw new ManifestError(pkg.id, `厂商插件 ${name} 的 ${pkg.main} 无法加载（${messageOf(e)}）；${REMEDY}`);
  }
  if (typeof mod.createPlugin !== 'function') throw new ManifestError(pkg.id, `厂商插件 ${name} 的 ${pkg.main} 没有导出 createPlugin(hostApi)`);
  let definition: unknown;
  try {
    definition = (mod.createPlugin as (api: unknown) => unknown)(hostApi);
  } catch (e) {
    throw new ManifestError(pkg.id, `厂商插件 ${name} 的 createPlugin 出错（${messageOf(e)}）；${REMEDY}`);
  }
  if (!isPluginDefinition(definition)) throw new ManifestError(pkg.id, `厂商插件 ${name} 的 createPlugin 没有返回插件定义`);
  // The kernel would stop the boot on a bad manifest; checked here, it only disables this plugin.
  const manifest = checkManifest(definition.manifest, context.hostVersion, folder);
  if (!manifest.extends) {
    throw new ManifestError(pkg.id, `厂商插件 ${name} 的清单必须用 extends 声明它扩展的内置插件（填内置插件的编号）`);
  }
  if (manifest.stage) throw new ManifestError(pkg.id, `厂商插件 ${name} 不能声明 stage：工作流阶段只由内置插件提供`);
  if (manifest.id !== pkg.id) {
    throw new ManifestError(pkg.id, `厂商插件 ${name}：examsite-plugin.json 的 id (${pkg.id}) 与清单 id (${manifest.id}) 不一致`);
  }
  if (!context.builtinIds.has(manifest.extends)) {
    throw new ManifestError(pkg.id, `厂商插件 ${name} 扩展的内置插件 ${manifest.extends} 没有加载，该插件已停用`);
  }
  const webDir = pkg.web ? path.dirname(path.join(folder, pkg.web)) : undefined;
  return {
    definition,
    origin: folder,
    required: pkg.required,
    webDir,
    webEntry: pkg.web ? path.basename(pkg.web) : undefined,
    webHostApi: pkg.webHostApi,
  };
}

function messageOf(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  // The first line names the problem; a module's stack or code frame is for the log, not the message.
  return text.split('\n')[0]!.slice(0, 300);
}
