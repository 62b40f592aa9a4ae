import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ManifestError } from './manifest';
import type { PluginDefinition } from './plugin';

export interface LoadedPlugin {
  readonly definition: PluginDefinition;
  readonly origin: string;
  /** Folder of a vendor plugin's prebuilt web module, served at /plugins/<id>/web/. */
  readonly webDir?: string;
  readonly webEntry?: string;
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
  })
  .passthrough();

/**
 * Vendor plugins: each folder in `dir` holds `examsite-plugin.json` ({ id, main, web?, … })
 * and prebuilt JavaScript. `main` exports `createPlugin(hostApi)` returning a plugin
 * definition, so a vendor shares the host's refs without importing our sources.
 */
export function loadVendorPlugins(dir: string, hostApi: unknown): LoadedPlugin[] {
  if (!dir || !fs.existsSync(dir)) return [];
  const out: LoadedPlugin[] = [];
  for (const name of fs.readdirSync(dir).sort()) {
    const folder = path.join(dir, name);
    const pkgFile = path.join(folder, 'examsite-plugin.json');
    if (!fs.statSync(folder).isDirectory() || !fs.existsSync(pkgFile)) continue;
    let pkg: z.infer<typeof vendorPackageSchema>;
    try {
      pkg = vendorPackageSchema.parse(JSON.parse(fs.readFileSync(pkgFile, 'utf8')));
    } catch (e) {
      throw new ManifestError(name, `厂商插件 ${pkgFile} 无效：${(e as Error).message}`);
    }
    if (pkg.main.includes('..') || (pkg.web ?? '').includes('..')) throw new ManifestError(pkg.id, `厂商插件 ${name} 的文件路径不能包含 ..`);
    let mod: { createPlugin?: unknown };
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      mod = require(path.join(folder, pkg.main)) as { createPlugin?: unknown };
    } catch (e) {
      throw new ManifestError(pkg.id, `厂商插件 ${name} 的 ${pkg.main} 无法加载（${messageOf(e)}）；请向插件厂商索取与本系统匹配的版本，或移出插件目录后重新启动`);
    }
    if (typeof mod.createPlugin !== 'function') throw new ManifestError(pkg.id, `厂商插件 ${name} 的 ${pkg.main} 没有导出 createPlugin(hostApi)`);
    let definition: unknown;
    try {
      definition = (mod.createPlugin as (api: unknown) => unknown)(hostApi);
    } catch (e) {
      throw new ManifestError(pkg.id, `厂商插件 ${name} 的 createPlugin 出错（${messageOf(e)}）；请向插件厂商索取与本系统匹配的版本，或移出插件目录后重新启动`);
    }
    if (!isPluginDefinition(definition)) throw new ManifestError(pkg.id, `厂商插件 ${name} 的 createPlugin 没有返回插件定义`);
    if (!definition.manifest.extends) {
      throw new ManifestError(pkg.id, `厂商插件 ${name} 的清单必须用 extends 声明它扩展的内置插件（如 "load"）`);
    }
    if (definition.manifest.stage) throw new ManifestError(pkg.id, `厂商插件 ${name} 不能声明 stage：工作流阶段只由内置插件提供`);
    if (definition.manifest.id !== pkg.id) {
      throw new ManifestError(pkg.id, `厂商插件 ${name}：examsite-plugin.json 的 id (${pkg.id}) 与清单 id (${definition.manifest.id}) 不一致`);
    }
    const webDir = pkg.web ? path.dirname(path.join(folder, pkg.web)) : undefined;
    out.push({ definition, origin: folder, webDir, webEntry: pkg.web ? path.basename(pkg.web) : undefined });
  }
  return out;
}

function messageOf(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  // The first line names the problem; a module's stack or code frame is for the log, not the message.
  return text.split('\n')[0]!.slice(0, 300);
}
