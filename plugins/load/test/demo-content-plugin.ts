import { z } from 'zod';
import { definePlugin, type PluginDefinition } from '../../../core/kernel/plugin';
import { loadContentHandlersPoint, type PackageContentHandler, type PackageEntry } from '../api';

/** What a certificate vendor might ship in `vendor/demo/*.json`: its tool's settings per site. */
const demoEntrySchema = z
  .object({
    certificate: z.string().min(1),
    toolVersion: z.string().regex(/^\d+\.\d+\.\d+$/, '工具版本应为 x.y.z'),
    siteCode: z.string(),
  })
  .strict();

export interface DemoContentPlugin {
  readonly plugin: PluginDefinition;
  /** Entries handed to `accepted` after a commit. */
  readonly accepted: PackageEntry[];
}

/**
 * A test vendor plugin using the load stage's extension point (R10.2): it claims
 * `vendor/demo/*.json` entries and refuses the whole package when one is wrong.
 */
export function demoContentPlugin(): DemoContentPlugin {
  const accepted: PackageEntry[] = [];
  const handler: PackageContentHandler = {
    id: 'demo-vendor',
    matches: (name) => /^vendor\/demo\/[^/]+\.json$/.test(name),
    async validate(entry, context) {
      let json: unknown;
      try {
        json = JSON.parse(entry.bytes.toString('utf8'));
      } catch {
        throw new Error('不是有效的 JSON');
      }
      const r = demoEntrySchema.safeParse(json);
      if (!r.success) throw new Error(r.error.issues.map((i) => `${i.path.join('.')}：${i.message}`).join('；'));
      if (r.data.siteCode !== context.siteCode) throw new Error(`考点代码 ${r.data.siteCode} 与数据包 ${context.siteCode} 不一致`);
    },
    async accepted(entry) {
      accepted.push(entry);
    },
  };
  const plugin = definePlugin({
    manifest: { id: 'demo-vendor', version: '1.0.0', host: '^0.1.0', displayName: '测试厂商插件', extends: 'load' },
    register(env) {
      env.extend(loadContentHandlersPoint, handler);
    },
  });
  return { plugin, accepted };
}
