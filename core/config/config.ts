import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { isAddressEntry } from '../net/address-list';
import { useChineseZodMessages } from './zod-chinese-messages';

// zh-CN messages for zod's own checks: configuration errors are read by the site's admin.
useChineseZodMessages();

const isHttpUrl = (v: string): boolean => {
  try {
    const u = new URL(v);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
};

/**
 * All configuration in one place: defaults < config file < environment. The file is
 * `<dataDir>/examsite.config.json` (or EXAMSITE_CONFIG). Validated; a bad value stops
 * the start with a Chinese message naming the setting.
 */
export const configSchema = z
  .object({
    dataDir: z.string().min(1),
    host: z.string().default('0.0.0.0'),
    port: z.number().int().min(0).max(65535).default(9190),
    /** The address proctor PCs reach this site at (exported sheet, plugins' LAN services). */
    publicHost: z.string().default(''),
    /**
     * PCs besides the site PC itself (loopback) that may open the admin UI and API: IP
     * addresses or CIDR ranges. Empty by default: the exam LAN is hostile (issue 10 point 1).
     */
    adminAllowFrom: z
      .array(z.string().refine(isAddressEntry, { message: '应为 IP 地址（如 192.168.1.20）或网段（如 192.168.1.0/24）' }))
      .default([]),
    databaseUrl: z
      .string()
      .refine((v) => v === '' || /^(postgres|postgresql):\/\/./.test(v) || v.startsWith('sqlite:'), {
        message: '数据库地址应为 postgres://用户:密码@主机:端口/库名，或留空以使用内置 SQLite',
      })
      .default(''),
    centreUrl: z
      .string()
      .refine((v) => v === '' || isHttpUrl(v), { message: '监控平台地址应为 http:// 或 https:// 开头的网址（如 http://10.0.0.1:9300），或留空表示不联网' })
      .default(''),
    centreKeys: z
      .array(z.string().regex(/^[A-Za-z0-9_-]{43}$/, '中心公钥应为 43 个字符的 base64url 文本（即 npm run centre-sim -- keys 输出的值）'))
      .default([]),
    centreTimeoutMs: z.number().int().min(100).max(120000).default(8000),
    /** How often the reachability probe pings the centre (status bar 网络连接). */
    centreProbeIntervalMs: z.number().int().min(100).max(600000).default(5000),
    /** Outbox retry: first delay, doubled per attempt up to the cap. */
    centreRetryBaseMs: z.number().int().min(10).max(600000).default(2000),
    centreRetryMaxMs: z.number().int().min(10).max(3600000).default(60000),
    vendorPluginDir: z.string().default(''),
    dongle: z.enum(['auto', 'hid', 'soft']).default('auto'),
    dongleVendorId: z.number().int().min(0).max(0xffff).default(0x1209),
    dongleProductId: z.number().int().min(0).max(0xffff).default(0x4b44),
    /** Lab-only: lets the soft dongle run a formal exam. Logged loudly at every use. */
    labAllowSoftDongleFormal: z.boolean().default(false),
    timeTokenMaxAgeMinutes: z.number().int().min(1).max(24 * 60).default(10),
    /** A time token dated this much later than trusted time (plus the dongle's drift) is refused. */
    timeTokenMaxAheadMinutes: z.number().int().min(1).max(24 * 60).default(10),
    /** Slow clients (issue 10 point 4): a request body must bring this many bytes per second… */
    requestMinBytesPerSecond: z.number().int().min(1).max(100 * 1024 * 1024).default(1024),
    /** …measured over windows of this many seconds; headers must be complete within the second value. */
    requestRateWindowSeconds: z.number().int().min(1).max(600).default(10),
    requestHeadersTimeoutSeconds: z.number().int().min(1).max(600).default(30),
    /** Audit log retention (docs/audit-log.md): rows older than this many days are removed… */
    auditRetentionDays: z.number().int().min(30).max(3650).default(400),
    /** …and the oldest beyond this many rows; repeats of one unauthenticated event per source are coalesced per window. */
    auditMaxRows: z.number().int().min(1000).max(10_000_000).default(200_000),
    auditCoalesceSeconds: z.number().int().min(1).max(24 * 3600).default(600),
    /** An admin login unused this long ends. */
    adminSessionIdleMinutes: z.number().int().min(1).max(7 * 24 * 60).default(720),
    calibrationStaleHours: z.number().min(0.1).max(24 * 30).default(24),
    /** 授权验证 opens this many minutes before a session's start (R6.2). */
    verificationLeadMinutes: z.number().int().min(0).max(24 * 60).default(60),
    /** The 机考锁校时 warning shows from this many minutes before a session (R6.1). */
    calibrationWarnLeadMinutes: z.number().int().min(0).max(7 * 24 * 60).default(120),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    webDir: z.string().default(''),
    /**
     * Plugin sections as written (`plugins.<id>` of the file, test overrides): each plugin
     * validates its own with its schema (core/config/plugin-config.ts), core does not.
     */
    plugins: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
    /** The EXAMSITE_* variables core does not read itself, for `EXAMSITE_<ID>_<KEY>`. */
    pluginEnv: z.record(z.string(), z.string()).default({}),
    /** Where each plugin setting came from (`<id>.<key>` → text), for refusals. */
    pluginSources: z.record(z.string(), z.string()).default({}),
  })
  .strict();

export type ExamSiteConfig = z.output<typeof configSchema>;
export type ExamSiteConfigInput = z.input<typeof configSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function commaList(v: string): string[] {
  return v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

const ENV_MAP: Record<string, { key: keyof ExamSiteConfigInput; parse: (v: string) => unknown }> = {
  EXAMSITE_DATA: { key: 'dataDir', parse: (v) => v },
  EXAMSITE_HOST: { key: 'host', parse: (v) => v },
  EXAMSITE_PORT: { key: 'port', parse: Number },
  EXAMSITE_PUBLIC_HOST: { key: 'publicHost', parse: (v) => v },
  EXAMSITE_ADMIN_ALLOW: { key: 'adminAllowFrom', parse: commaList },
  EXAMSITE_DB_URL: { key: 'databaseUrl', parse: (v) => v },
  EXAMSITE_CENTRE_URL: { key: 'centreUrl', parse: (v) => v },
  EXAMSITE_CENTRE_KEYS: { key: 'centreKeys', parse: commaList },
  EXAMSITE_VENDOR_PLUGINS: { key: 'vendorPluginDir', parse: (v) => v },
  EXAMSITE_DONGLE: { key: 'dongle', parse: (v) => v },
  // Anything but 1/true/0/false stays a string, which the schema then refuses by name.
  EXAMSITE_LAB_SOFT_DONGLE_FORMAL: {
    key: 'labAllowSoftDongleFormal',
    parse: (v) => (v === '1' || v === 'true' ? true : v === '0' || v === 'false' ? false : v),
  },
  EXAMSITE_LOG_LEVEL: { key: 'logLevel', parse: (v) => v },
};

export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<ExamSiteConfigInput> = {},
): ExamSiteConfig {
  const dataDir = path.resolve(overrides.dataDir ?? env.EXAMSITE_DATA ?? './data');
  const file = env.EXAMSITE_CONFIG ?? path.join(dataDir, 'examsite.config.json');
  let fromFile: Record<string, unknown> = {};
  if (fs.existsSync(file)) {
    try {
      fromFile = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (e) {
      throw new ConfigError(`配置文件 ${file} 不是有效的 JSON：${(e as Error).message}`);
    }
  }
  const fromEnv: Record<string, unknown> = {};
  // Where each value came from, so a refusal says what to fix.
  const source = new Map<string, string>(Object.keys(fromFile).map((k) => [k, `配置文件 ${file}`]));
  for (const [name, { key, parse }] of Object.entries(ENV_MAP)) {
    const v = env[name];
    if (v !== undefined && v !== '') {
      fromEnv[key] = parse(v);
      source.set(key, `环境变量 ${name}=${JSON.stringify(name === 'EXAMSITE_DB_URL' ? maskDatabaseUrl(v) : v)}`);
    }
  }
  for (const key of Object.keys(overrides)) source.set(key, '启动参数');
  const plugins = mergePluginSections(fromFile.plugins, overrides.plugins, `配置文件 ${file}`);
  const pluginEnv: Record<string, string> = {};
  for (const [name, v] of Object.entries(env)) {
    if (name.startsWith('EXAMSITE_') && !(name in ENV_MAP) && v !== undefined && v !== '') pluginEnv[name] = v;
  }
  const merged = { ...fromFile, ...fromEnv, ...overrides, dataDir, plugins: plugins.sections, pluginSources: plugins.sources, pluginEnv };
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .map((i) => {
        const key = i.path.length > 0 ? String(i.path[0]) : null;
        const where = key ? source.get(key) : `配置文件 ${file}`;
        return `${i.path.join('.') || '(配置)'}${where ? `（来自${where}）` : ''}: ${i.message}`;
      })
      .join('；');
    throw new ConfigError(`配置无效：${issues}。请改正后重新启动`);
  }
  return parsed.data;
}

/** File sections, then overrides key by key; the result is checked by the schema's `plugins`. */
function mergePluginSections(
  fromFile: unknown,
  fromOverrides: unknown,
  fileLabel: string,
): { sections: unknown; sources: Record<string, string> } {
  const sources: Record<string, string> = {};
  const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  // A malformed section is left to the schema, which names it.
  if ((fromFile !== undefined && !isRecord(fromFile)) || (fromOverrides !== undefined && !isRecord(fromOverrides))) {
    return { sections: fromOverrides ?? fromFile, sources };
  }
  const sections: Record<string, unknown> = {};
  for (const [layer, label] of [
    [fromFile, fileLabel],
    [fromOverrides, '启动参数'],
  ] as const) {
    for (const [id, section] of Object.entries(layer ?? {})) {
      if (!isRecord(section)) {
        sections[id] = section;
        continue;
      }
      sections[id] = { ...(isRecord(sections[id]) ? sections[id] : {}), ...section };
      for (const key of Object.keys(section)) sources[`${id}.${key}`] = label;
    }
  }
  return { sections, sources };
}

/** The effective configuration for the start log, with secrets masked. */
export function describeConfig(cfg: ExamSiteConfig): Record<string, unknown> {
  const { pluginSources: _sources, ...shown } = cfg;
  return { ...shown, databaseUrl: maskDatabaseUrl(cfg.databaseUrl) };
}

function maskDatabaseUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):([^@/]+)@/, '//$1:***@');
}
