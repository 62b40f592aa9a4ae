import { z } from 'zod';
import { createHardwareEvent, dongleEvents } from '../events/hardware-events';
import { centreReply, defineCentreEndpoint } from '../centre/centre-endpoint';
import { AppError } from '../http/errors';
import { runState, statusItemsPoint } from '../http/status-items';
import { workflowStepsPoint } from '../http/workflow-steps';
import { publicGuard } from '../auth/admin-auth';
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
  /** Typed hardware events: the dongle's, and a factory for the vendor's own. */
  readonly dongleEvents: typeof dongleEvents;
  readonly createHardwareEvent: typeof createHardwareEvent;
  /** The host's own extension points (contribute with `env.extend` / `env.extendWith`). */
  readonly hostPoints: { readonly statusItems: typeof statusItemsPoint; readonly workflowSteps: typeof workflowStepsPoint };
  readonly runState: typeof runState;
  /** A vendor's own centre endpoints, called through `coreServices.centre`. */
  readonly defineCentreEndpoint: typeof defineCentreEndpoint;
  readonly centreReply: typeof centreReply;
  /** The host's zod, so vendor routes validate and document like ours. */
  readonly z: typeof z;
  /** Errors with a Chinese message that the HTTP layer shows as they are. */
  readonly AppError: typeof AppError;
  /** Guard for routes that need no login (use `coreServices.adminAuth`'s `guard` otherwise). */
  readonly publicGuard: typeof publicGuard;
  /** `plugins.<id>` = that built-in plugin's `publicApi`, when it exports one. */
  readonly plugins: Readonly<Record<string, unknown>>;
}

export function hostApiForVendors(builtins: Readonly<Record<string, { publicApi?: unknown }>>): VendorHostApi {
  const plugins: Record<string, unknown> = {};
  for (const [id, def] of Object.entries(builtins)) if (def.publicApi !== undefined) plugins[id] = def.publicApi;
  return Object.freeze({
    apiVersion: 1 as const,
    coreServices,
    definePlugin,
    createServiceRef,
    createExtensionPoint,
    dongleEvents,
    createHardwareEvent,
    hostPoints: Object.freeze({ statusItems: statusItemsPoint, workflowSteps: workflowStepsPoint }),
    runState,
    defineCentreEndpoint,
    centreReply,
    z,
    AppError,
    publicGuard,
    plugins: Object.freeze(plugins),
  });
}
