import { definePlugin } from '../kernel/plugin';
import { createExtensionPoint, createServiceRef } from '../kernel/refs';
import { coreServices } from '../services';

/**
 * What a vendor plugin's `createPlugin(hostApi)` receives: the host's own refs and the
 * built-in plugins' public APIs (their `api/` exports), so a prebuilt vendor module uses
 * the very same token objects without importing our sources.
 */
export interface VendorHostApi {
  readonly apiVersion: 1;
  readonly coreServices: typeof coreServices;
  readonly definePlugin: typeof definePlugin;
  readonly createServiceRef: typeof createServiceRef;
  readonly createExtensionPoint: typeof createExtensionPoint;
  /** `plugins.<id>` = that built-in plugin's `publicApi`, when it exports one. */
  readonly plugins: Readonly<Record<string, unknown>>;
}

export function hostApiForVendors(builtins: Readonly<Record<string, { publicApi?: unknown }>>): VendorHostApi {
  const plugins: Record<string, unknown> = {};
  for (const [id, def] of Object.entries(builtins)) if (def.publicApi !== undefined) plugins[id] = def.publicApi;
  return Object.freeze({ apiVersion: 1 as const, coreServices, definePlugin, createServiceRef, createExtensionPoint, plugins: Object.freeze(plugins) });
}
