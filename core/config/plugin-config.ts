import type { z } from 'zod';
import { ConfigError, type ExamSiteConfig } from './config';

/**
 * A plugin's own configuration section (issue 9 point 7c): a zod object the plugin declares
 * (e.g. the port of a LAN service it runs), read from the config file's `plugins.<id>`
 * section and the environment `EXAMSITE_<ID>_<KEY>` (KEY in upper snake case: listenPort →
 * LISTEN_PORT). Precedence as for core: file < environment < start overrides (tests).
 */
export type PluginConfigSchema = z.ZodObject;

export interface PluginConfigReader {
  /** The plugin's section, validated; a refusal names the setting and where it came from. */
  read<S extends PluginConfigSchema>(schema: S): z.output<S>;
}

export function pluginEnvName(pluginId: string, key: string): string {
  const id = pluginId.toUpperCase().replace(/-/g, '_');
  return `EXAMSITE_${id}_${key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`;
}

export function readPluginConfig<S extends PluginConfigSchema>(cfg: ExamSiteConfig, pluginId: string, schema: S): z.output<S> {
  const values: Record<string, unknown> = { ...(cfg.plugins[pluginId] ?? {}) };
  const source = (key: string): string | undefined => cfg.pluginSources[`${pluginId}.${key}`];
  const where = new Map<string, string>();
  for (const key of Object.keys(values)) where.set(key, source(key) ?? '配置文件');
  for (const [key, field] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
    const name = pluginEnvName(pluginId, key);
    const raw = cfg.pluginEnv[name];
    // Start overrides (tests) beat the environment, as they do for core settings.
    if (raw === undefined || source(key) === '启动参数') continue;
    values[key] = fromEnvText(raw, field);
    where.set(key, `环境变量 ${name}=${JSON.stringify(raw)}`);
  }
  const parsed = schema.safeParse(values);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues
    .map((i) => {
      const key = i.path.length > 0 ? String(i.path[0]) : null;
      const from = key ? where.get(key) : undefined;
      return `plugins.${pluginId}.${i.path.map(String).join('.') || '(整体)'}${from ? `（来自${from}）` : ''}: ${i.message}`;
    })
    .join('；');
  throw new ConfigError(`配置无效：${issues}。请改正后重新启动`);
}

/**
 * The configuration with a plugin's test values (PluginDefinition.testConfig) under its
 * section: what the test itself set still wins, and both beat the environment as start
 * overrides do, so a developer's shell never moves a test site onto a fixed port.
 */
export function withTestConfig(cfg: ExamSiteConfig, pluginId: string, testConfig: Readonly<Record<string, unknown>>): ExamSiteConfig {
  const section = { ...testConfig, ...(cfg.plugins[pluginId] ?? {}) };
  const sources = { ...cfg.pluginSources };
  for (const key of Object.keys(testConfig)) sources[`${pluginId}.${key}`] ??= '启动参数';
  return { ...cfg, plugins: { ...cfg.plugins, [pluginId]: section }, pluginSources: sources };
}

/** Environment values are text: read them as the field's type, or leave them for the schema to refuse. */
function fromEnvText(raw: string, field: z.ZodType): unknown {
  switch (baseType(field)) {
    case 'number':
    case 'bigint':
      return /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
    case 'boolean':
      return raw === '1' || raw === 'true' ? true : raw === '0' || raw === 'false' ? false : raw;
    case 'object':
    case 'array':
    case 'record':
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        return raw;
      }
    default:
      return raw;
  }
}

function baseType(field: z.ZodType): string {
  let current: z.ZodType = field;
  // default / optional / nullable / readonly wrap the type that decides how to read the text.
  for (let depth = 0; depth < 8; depth++) {
    const def = current.def as { type: string; innerType?: z.ZodType };
    if (!def.innerType) return def.type;
    current = def.innerType;
  }
  return current.def.type;
}
