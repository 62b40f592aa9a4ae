import semver from 'semver';
import { z } from 'zod';

const pluginId = z
  .string()
  .regex(/^[a-z][a-z0-9-]{1,40}$/, '插件编号只能由小写字母、数字和连字符组成（2–41 个字符），且以字母开头');

export const pluginManifestSchema = z
  .object({
    id: pluginId,
    version: z.string().refine((v) => semver.valid(v) !== null, '插件版本号必须是语义化版本（如 1.0.0）'),
    /** semver range of host versions this plugin works with. */
    host: z.string().refine((v) => semver.validRange(v) !== null, '宿主版本范围无效（如 ^0.1.0）'),
    displayName: z.string().min(1).max(60),
    /**
     * Built-in stage plugins name their stage, one of the host's workflow list (checked by
     * the kernel); vendor plugins name the plugin they extend.
     */
    stage: z.string().regex(/^[a-z][a-z0-9-]{1,40}$/, '工作流阶段只能由小写字母、数字和连字符组成').optional(),
    extends: pluginId.optional(),
    dependsOn: z.array(pluginId).default([]),
  })
  .strict()
  .refine((m) => !(m.stage && m.extends), { message: '插件清单不能同时声明 stage 和 extends' });

export type PluginManifest = z.input<typeof pluginManifestSchema>;
export type CheckedManifest = z.output<typeof pluginManifestSchema>;

export class ManifestError extends Error {
  constructor(readonly pluginId: string, message: string) {
    super(message);
    this.name = 'ManifestError';
  }
}

export function checkManifest(raw: unknown, hostVersion: string, origin: string): CheckedManifest {
  const parsed = pluginManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(清单)'}: ${i.message}`).join('；');
    const id = typeof raw === 'object' && raw !== null && 'id' in raw ? String((raw as { id: unknown }).id) : origin;
    throw new ManifestError(id, `插件 ${id} 的清单无效（${origin}）：${issues}`);
  }
  const m = parsed.data;
  if (!semver.satisfies(hostVersion, m.host, { includePrerelease: true })) {
    throw new ManifestError(m.id, `插件 ${m.id} 要求宿主版本 ${m.host}，当前宿主版本为 ${hostVersion}，请换用匹配的插件版本`);
  }
  return m;
}
