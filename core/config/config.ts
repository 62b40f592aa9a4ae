import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

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
    ftpPort: z.number().int().min(0).max(65535).default(2121),
    ftpPassivePorts: z
      .object({ min: z.number().int().min(1024).max(65535), max: z.number().int().min(1024).max(65535) })
      .default({ min: 30000, max: 30099 }),
    /** The address proctor PCs reach this site at (FTP passive replies, exported sheet). */
    publicHost: z.string().default(''),
    databaseUrl: z.string().default(''),
    centreUrl: z.string().default(''),
    centreKeys: z.array(z.string()).default([]),
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
    calibrationStaleHours: z.number().min(0.1).max(24 * 30).default(24),
    /** 授权验证 opens this many minutes before a session's start (R6.2). */
    verificationLeadMinutes: z.number().int().min(0).max(24 * 60).default(60),
    /** The 机考锁校时 warning shows from this many minutes before a session (R6.1). */
    calibrationWarnLeadMinutes: z.number().int().min(0).max(7 * 24 * 60).default(120),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    webDir: z.string().default(''),
  })
  .strict();

export type ExamSiteConfig = z.output<typeof configSchema>;
export type ExamSiteConfigInput = z.input<typeof configSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const ENV_MAP: Record<string, { key: keyof ExamSiteConfigInput; parse: (v: string) => unknown }> = {
  EXAMSITE_DATA: { key: 'dataDir', parse: (v) => v },
  EXAMSITE_HOST: { key: 'host', parse: (v) => v },
  EXAMSITE_PORT: { key: 'port', parse: Number },
  EXAMSITE_FTP_PORT: { key: 'ftpPort', parse: Number },
  EXAMSITE_PUBLIC_HOST: { key: 'publicHost', parse: (v) => v },
  EXAMSITE_DB_URL: { key: 'databaseUrl', parse: (v) => v },
  EXAMSITE_CENTRE_URL: { key: 'centreUrl', parse: (v) => v },
  EXAMSITE_CENTRE_KEYS: {
    key: 'centreKeys',
    parse: (v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
  },
  EXAMSITE_VENDOR_PLUGINS: { key: 'vendorPluginDir', parse: (v) => v },
  EXAMSITE_DONGLE: { key: 'dongle', parse: (v) => v },
  EXAMSITE_LAB_SOFT_DONGLE_FORMAL: { key: 'labAllowSoftDongleFormal', parse: (v) => v === '1' || v === 'true' },
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
  for (const [name, { key, parse }] of Object.entries(ENV_MAP)) {
    const v = env[name];
    if (v !== undefined && v !== '') fromEnv[key] = parse(v);
  }
  const merged = { ...fromFile, ...fromEnv, ...overrides, dataDir };
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(配置)'}: ${i.message}`).join('；');
    throw new ConfigError(`配置无效：${issues}`);
  }
  const cfg = parsed.data;
  if (cfg.ftpPassivePorts.min > cfg.ftpPassivePorts.max) throw new ConfigError('配置无效：ftpPassivePorts.min 大于 max');
  return cfg;
}

/** The effective configuration for the start log, with secrets masked. */
export function describeConfig(cfg: ExamSiteConfig): Record<string, unknown> {
  return { ...cfg, databaseUrl: cfg.databaseUrl.replace(/\/\/([^:@/]+):([^@/]+)@/, '//$1:***@') };
}
