import { ManifestError } from './manifest';
import type { PluginDefinition, PluginInitOptions, PluginRegistrationEnv, ServiceDeps } from './plugin';

/** Called once when a guarded plugin failed; `reason` is Chinese, for the log and the UI. */
export type PluginFailure = (pluginId: string, reason: string) => void;

type EnvCall = { readonly method: keyof PluginRegistrationEnv; readonly args: readonly unknown[] };

/**
 * Wraps a vendor plugin so that its own failure disables it instead of stopping the site:
 * `register` runs against a recording env and its declarations reach the kernel only if
 * it returned (all or nothing); a throwing `init` is reported and the boot goes on. A
 * `required` plugin's failure stops the boot instead, with the same Chinese reason.
 */
export function guardVendorPlugin(definition: PluginDefinition, required: boolean, onFailure: PluginFailure): PluginDefinition {
  const id = String(definition.manifest.id);
  let failed = false;
  const fail = (stage: string, e: unknown): void => {
    const text = (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 300);
    if (required) throw new ManifestError(id, `必需的厂商插件 ${id} 在${stage}时出错（${text}），系统停止启动；请向插件厂商索取与本系统匹配的版本`);
    if (failed) return;
    failed = true;
    onFailure(id, `厂商插件 ${id} 在${stage}时出错（${text}），已停用；请向插件厂商索取与本系统匹配的版本`);
  };
  return {
    ...definition,
    register(env) {
      const calls: EnvCall[] = [];
      const recorder = new Proxy(env, {
        get(target, prop) {
          if (prop === 'manifest') return target.manifest;
          return (...args: unknown[]) => calls.push({ method: prop as keyof PluginRegistrationEnv, args });
        },
      });
      try {
        definition.register(recorder);
      } catch (e) {
        fail('注册', e);
        return;
      }
      for (const call of calls) {
        const args = call.method === 'registerInit' ? [guardInit(call.args[0] as PluginInitOptions<ServiceDeps>, (e) => fail('启动', e))] : call.args;
        (Reflect.get(env, call.method) as (...a: unknown[]) => void).apply(env, [...args]);
      }
    },
  };
}

function guardInit(options: PluginInitOptions<ServiceDeps>, onError: (e: unknown) => void): PluginInitOptions<ServiceDeps> {
  return {
    deps: options.deps,
    async init(deps, extensions) {
      try {
        await options.init(deps, extensions);
      } catch (e) {
        onError(e);
      }
    },
  };
}
