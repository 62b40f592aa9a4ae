import type { DependencyContainer } from 'tsyringe';
import type { MixedList } from 'typeorm';
import type { CheckedManifest, PluginManifest } from './manifest';
import type { ExtensionPoint, ResolvedDeps, ServiceRef } from './refs';

export type ServiceDeps = Record<string, ServiceRef<unknown>>;

/** Reads the contributions of the extension points this plugin owns; available at init. */
export interface ExtensionReader {
  get<T>(point: ExtensionPoint<T>): readonly T[];
}

export interface PluginInitOptions<D extends ServiceDeps> {
  deps: D;
  init(deps: ResolvedDeps<D>, extensions: ExtensionReader): void | Promise<void>;
}

/**
 * A contribution that needs services (Backstage-module style): the kernel resolves `deps`
 * in the contributor's scope and calls `factory` once, before the point's owner starts.
 */
export interface ContributionFactory<T, D extends ServiceDeps> {
  deps: D;
  factory(deps: ResolvedDeps<D>): T | Promise<T>;
}

export interface ServiceProvision<T, D extends ServiceDeps> {
  deps: D;
  factory(deps: ResolvedDeps<D>): T | Promise<T>;
}

// TypeORM accepts entity classes and migration classes; we keep its own list type.
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export type EntityList = MixedList<Function>;
export type MigrationList = MixedList<Function>;

/**
 * What a plugin may do in the register phase. Nothing here runs plugin code against other
 * plugins: it only declares. The kernel seals everything before the start phase.
 */
export interface PluginRegistrationEnv {
  readonly manifest: CheckedManifest;
  /** Declares that this plugin owns (and alone reads) an extension point. */
  declareExtensionPoint<T>(point: ExtensionPoint<T>): void;
  /**
   * Adds a contribution to an extension point owned by this or another plugin (or by the
   * host). When no loaded plugin owns the point the contribution is skipped with a log line.
   */
  extend<T>(point: ExtensionPoint<T>, contribution: T): void;
  /** Like `extend`, for a contribution built from services at start (see ContributionFactory). */
  extendWith<T, D extends ServiceDeps>(point: ExtensionPoint<T>, contribution: ContributionFactory<T, D>): void;
  /** Provides a service other plugins may depend on through its ref. */
  provideService<T, D extends ServiceDeps>(ref: ServiceRef<T>, provision: ServiceProvision<T, D>): void;
  /** TypeORM entities and migrations this plugin owns. */
  registerEntities(entities: EntityList): void;
  registerMigrations(migrations: MigrationList): void;
  /** The plugin's start: runs once, in workflow order, after every plugin registered. */
  registerInit<D extends ServiceDeps>(options: PluginInitOptions<D>): void;
}

export interface PluginDefinition {
  readonly manifest: PluginManifest;
  register(env: PluginRegistrationEnv): void;
  /** The plugin's `api/` exports (refs, extension points) handed to vendor plugins. */
  readonly publicApi?: Readonly<Record<string, unknown>>;
  /**
   * Values of this plugin's configuration section that test sites use unless the test sets
   * its own: a LAN service it runs listens on a free port there (e.g. `{ listenPort: 0 }`),
   * never on the product's fixed port. The product itself never reads them.
   */
  readonly testConfig?: Readonly<Record<string, unknown>>;
}

/** Identity helper that keeps the definition's type. */
export function definePlugin(definition: PluginDefinition): PluginDefinition {
  return definition;
}

/** Plugin-scoped context given to plugin-scoped core service factories. */
export interface PluginScope {
  readonly manifest: CheckedManifest;
  readonly container: DependencyContainer;
}
