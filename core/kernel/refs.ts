import type { ZodType } from 'zod';

/**
 * Typed handles instead of string-keyed lookups. A ServiceRef names a service and carries
 * its type; an ExtensionPoint names a sealed list of contributions and carries their type.
 * The `id` strings exist for error messages and the boot log only.
 */
export class ServiceRef<T> {
  /** Phantom field: keeps `T` in the type so refs of different services do not mix. */
  declare readonly serviceType: T;
  readonly token: symbol;
  constructor(readonly id: string, readonly description: string) {
    this.token = Symbol(id);
  }
}

export interface ExtensionPointOptions<T> {
  /**
   * Checked against every contribution when it is registered (or, for `extendWith`, when
   * it is built). Vendor contributions come from code we did not write: a refusal names
   * the plugin and stops the boot instead of failing later inside the owner.
   */
  readonly schema?: ZodType<T>;
}

export class ExtensionPoint<T> {
  declare readonly contributionType: T;
  constructor(
    readonly id: string,
    readonly description: string,
    readonly options: ExtensionPointOptions<T> = {},
  ) {}
}

export function createServiceRef<T>(id: string, description: string): ServiceRef<T> {
  return new ServiceRef<T>(id, description);
}

export function createExtensionPoint<T>(id: string, description: string, options: ExtensionPointOptions<T> = {}): ExtensionPoint<T> {
  return new ExtensionPoint<T>(id, description, options);
}

/** Maps `{ name: ServiceRef<X> }` to `{ name: X }`. */
export type ResolvedDeps<D extends Record<string, ServiceRef<unknown>>> = {
  [K in keyof D]: D[K] extends ServiceRef<infer T> ? T : never;
};
