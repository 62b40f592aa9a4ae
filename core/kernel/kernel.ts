import { container as globalContainer, type DependencyContainer } from 'tsyringe';
import { WORKFLOW_STAGES, checkManifest, type CheckedManifest } from './manifest';
import type {
  EntityList,
  ExtensionReader,
  MigrationList,
  PluginDefinition,
  PluginInitOptions,
  PluginRegistrationEnv,
  PluginScope,
  ServiceDeps,
  ServiceProvision,
} from './plugin';
import type { ExtensionPoint, ResolvedDeps, ServiceRef } from './refs';

/** A service the host provides to every plugin: one instance (root) or one per plugin. */
export interface CoreServiceFactory<T = unknown> {
  readonly ref: ServiceRef<T>;
  readonly scope: 'root' | 'plugin';
  readonly deps: ServiceDeps;
  factory(deps: Record<string, unknown>, scope: PluginScope | undefined): T | Promise<T>;
}

export function rootService<T, D extends ServiceDeps>(
  ref: ServiceRef<T>,
  deps: D,
  factory: (deps: ResolvedDeps<D>) => T | Promise<T>,
): CoreServiceFactory<T> {
  return { ref, scope: 'root', deps, factory: (d) => factory(d as ResolvedDeps<D>) };
}

export function pluginService<T, D extends ServiceDeps>(
  ref: ServiceRef<T>,
  deps: D,
  factory: (deps: ResolvedDeps<D>, scope: PluginScope) => T | Promise<T>,
): CoreServiceFactory<T> {
  return {
    ref,
    scope: 'plugin',
    deps,
    factory: (d, scope) => {
      if (!scope) throw new KernelError(`服务 ${ref.id} 只能在插件内使用`);
      return factory(d as ResolvedDeps<D>, scope);
    },
  };
}

export class KernelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KernelError';
  }
}

/** Entities and migrations of every plugin, complete once the register phase ended. */
export interface SchemaRegistry {
  readonly entities: EntityList[];
  readonly migrations: MigrationList[];
}

interface Registration {
  readonly manifest: CheckedManifest;
  readonly origin: string;
  readonly inits: PluginInitOptions<ServiceDeps>[];
  readonly provides: Map<symbol, ServiceProvision<unknown, ServiceDeps>>;
  readonly ownedPoints: Set<ExtensionPoint<unknown>>;
}

interface PointState {
  owner?: string;
  readonly items: unknown[];
  readonly contributors: Set<string>;
}

export interface KernelLogger {
  info(message: string): void;
  error(message: string): void;
}

export interface KernelOptions {
  readonly hostVersion: string;
  readonly logger: KernelLogger;
  readonly coreServices: readonly CoreServiceFactory[];
}

/**
 * The plugin kernel. It knows no workflow stage by name beyond the ordering list: plugins
 * register (declare), the kernel checks and orders them, then starts them one by one.
 */
export class Kernel {
  private readonly definitions: { definition: PluginDefinition; origin: string }[] = [];
  private readonly registrations = new Map<string, Registration>();
  private readonly points = new Map<ExtensionPoint<unknown>, PointState>();
  private readonly coreFactories = new Map<symbol, CoreServiceFactory>();
  private readonly providerOf = new Map<symbol, string>();
  private readonly rootInstances = new Map<symbol, Promise<unknown>>();
  private readonly pluginInstances = new Map<string, Map<symbol, Promise<unknown>>>();
  private readonly pluginContainers = new Map<string, DependencyContainer>();
  private readonly rootContainer: DependencyContainer;
  private readonly schema = { entities: [] as EntityList[], migrations: [] as MigrationList[] };
  private sealed = false;
  private order: string[] = [];
  private phase: 'new' | 'registered' | 'started' | 'stopped' = 'new';

  constructor(private readonly options: KernelOptions) {
    // A child of tsyringe's global container: nothing is registered globally.
    this.rootContainer = globalContainer.createChildContainer();
    for (const f of options.coreServices) {
      if (this.coreFactories.has(f.ref.token)) throw new KernelError(`内核服务 ${f.ref.id} 重复提供`);
      this.coreFactories.set(f.ref.token, f);
    }
  }

  get schemaRegistry(): SchemaRegistry {
    return this.schema;
  }

  get bootOrder(): readonly string[] {
    return this.order;
  }

  get manifests(): readonly CheckedManifest[] {
    return this.order.map((id) => this.mustRegistration(id).manifest);
  }

  add(definition: PluginDefinition, origin: string): void {
    if (this.phase !== 'new') throw new KernelError('插件只能在内核启动前加入');
    this.definitions.push({ definition, origin });
  }

  /** Register phase: collect declarations, check them, compute the start order. */
  register(): void {
    if (this.phase !== 'new') throw new KernelError('内核已完成注册阶段');
    for (const { definition, origin } of this.definitions) this.registerOne(definition, origin);
    this.sealed = true;
    this.checkPoints();
    this.order = this.computeOrder();
    this.phase = 'registered';
    this.options.logger.info(`插件启动顺序: ${this.order.join(' → ') || '(无插件)'}`);
  }

  /** Start phase: each plugin's inits run in order with their dependencies resolved. */
  async start(): Promise<void> {
    if (this.phase === 'new') this.register();
    if (this.phase !== 'registered') throw new KernelError('内核已启动');
    for (const id of this.order) {
      const reg = this.mustRegistration(id);
      const reader = this.readerFor(id);
      for (const init of reg.inits) {
        const deps = await this.resolveDeps(init.deps, id);
        await init.init(deps as ResolvedDeps<ServiceDeps>, reader);
      }
    }
    this.phase = 'started';
  }

  /** Resolves a service as the host (outside any plugin): root services only. */
  async get<T>(ref: ServiceRef<T>): Promise<T> {
    return (await this.resolve(ref.token, ref.id, undefined)) as T;
  }

  /** The tsyringe container of a plugin (child of the kernel's root container). */
  containerOf(pluginId: string): DependencyContainer {
    let c = this.pluginContainers.get(pluginId);
    if (!c) {
      c = this.rootContainer.createChildContainer();
      this.pluginContainers.set(pluginId, c);
    }
    return c;
  }

  private registerOne(definition: PluginDefinition, origin: string): void {
    const manifest = checkManifest(definition.manifest, this.options.hostVersion, origin);
    if (this.registrations.has(manifest.id)) {
      const other = this.mustRegistration(manifest.id).origin;
      throw new KernelError(`插件编号 ${manifest.id} 重复：${other} 与 ${origin}`);
    }
    const reg: Registration = { manifest, origin, inits: [], provides: new Map(), ownedPoints: new Set() };
    this.registrations.set(manifest.id, reg);
    const kernel = this;
    const env: PluginRegistrationEnv = {
      manifest,
      declareExtensionPoint(point) {
        kernel.assertOpen(manifest.id);
        const state = kernel.pointState(point);
        if (state.owner) throw new KernelError(`扩展点 ${point.id} 已由插件 ${state.owner} 声明，插件 ${manifest.id} 不能重复声明`);
        state.owner = manifest.id;
        reg.ownedPoints.add(point as ExtensionPoint<unknown>);
      },
      extend(point, contribution) {
        kernel.assertOpen(manifest.id);
        const state = kernel.pointState(point);
        state.items.push(contribution);
        state.contributors.add(manifest.id);
      },
      provideService<T, D extends ServiceDeps>(ref: ServiceRef<T>, provision: ServiceProvision<T, D>) {
        kernel.assertOpen(manifest.id);
        if (kernel.coreFactories.has(ref.token) || kernel.providerOf.has(ref.token)) {
          throw new KernelError(`服务 ${ref.id} 已有提供者，插件 ${manifest.id} 不能重复提供`);
        }
        kernel.providerOf.set(ref.token, manifest.id);
        reg.provides.set(ref.token, provision as unknown as ServiceProvision<unknown, ServiceDeps>);
      },
      registerEntities(entities) {
        kernel.assertOpen(manifest.id);
        kernel.schema.entities.push(entities);
      },
      registerMigrations(migrations) {
        kernel.assertOpen(manifest.id);
        kernel.schema.migrations.push(migrations);
      },
      registerInit(options) {
        kernel.assertOpen(manifest.id);
        reg.inits.push(options as unknown as PluginInitOptions<ServiceDeps>);
      },
    };
    definition.register(env);
  }

  private assertOpen(pluginId: string): void {
    if (this.sealed) throw new KernelError(`注册阶段已结束，扩展点已封闭：插件 ${pluginId} 只能在 register() 中声明`);
  }

  private pointState(point: ExtensionPoint<unknown>): PointState {
    let state = this.points.get(point);
    if (!state) {
      state = { items: [], contributors: new Set() };
      this.points.set(point, state);
    }
    return state;
  }

  private checkPoints(): void {
    for (const [point, state] of this.points) {
      if (!state.owner) {
        throw new KernelError(
          `插件 ${[...state.contributors].join('、')} 向扩展点 ${point.id} 提供内容，但没有已加载的插件声明该扩展点（缺少依赖的插件？）`,
        );
      }
      Object.freeze(state.items);
    }
  }

  private readerFor(pluginId: string): ExtensionReader {
    return {
      get: <T>(point: ExtensionPoint<T>): readonly T[] => {
        const state = this.points.get(point as ExtensionPoint<unknown>);
        if (!state || state.owner !== pluginId) {
          throw new KernelError(`插件 ${pluginId} 没有声明扩展点 ${point.id}，不能读取它`);
        }
        return state.items as readonly T[];
      },
    };
  }

  private dependenciesOf(reg: Registration): Set<string> {
    const deps = new Set<string>(reg.manifest.dependsOn);
    if (reg.manifest.extends) deps.add(reg.manifest.extends);
    const refsUsed: ServiceDeps[] = [...reg.inits.map((i) => i.deps), ...[...reg.provides.values()].map((p) => p.deps)];
    for (const group of refsUsed) {
      for (const ref of Object.values(group)) {
        if (this.coreFactories.has(ref.token)) continue;
        const provider = this.providerOf.get(ref.token);
        if (!provider) {
          throw new KernelError(`插件 ${reg.manifest.id} 依赖服务 ${ref.id}，但没有已加载的插件提供它`);
        }
        if (provider !== reg.manifest.id) deps.add(provider);
      }
    }
    for (const dep of deps) {
      if (!this.registrations.has(dep)) {
        throw new KernelError(`插件 ${reg.manifest.id} 依赖插件 ${dep}，但 ${dep} 没有加载`);
      }
    }
    return deps;
  }

  private rankOf(id: string, seen = new Set<string>()): number {
    const m = this.mustRegistration(id).manifest;
    if (m.stage) return WORKFLOW_STAGES.indexOf(m.stage);
    if (m.extends && !seen.has(id) && this.registrations.has(m.extends)) {
      seen.add(id);
      return this.rankOf(m.extends, seen) + 0.5;
    }
    return WORKFLOW_STAGES.length;
  }

  /** Topological order; among ready plugins the earlier workflow stage goes first. */
  private computeOrder(): string[] {
    const edges = new Map<string, Set<string>>();
    for (const [id, reg] of this.registrations) edges.set(id, this.dependenciesOf(reg));
    const done = new Set<string>();
    const order: string[] = [];
    while (order.length < edges.size) {
      const ready = [...edges.entries()]
        .filter(([id, deps]) => !done.has(id) && [...deps].every((d) => done.has(d)))
        .map(([id]) => id)
        .sort((a, b) => this.rankOf(a) - this.rankOf(b) || a.localeCompare(b));
      const next = ready[0];
      if (next === undefined) throw new KernelError(`插件之间存在循环依赖：${this.findCycle(edges, done).join(' → ')}`);
      done.add(next);
      order.push(next);
    }
    return order;
  }

  private findCycle(edges: Map<string, Set<string>>, done: Set<string>): string[] {
    const stack: string[] = [];
    const onStack = new Set<string>();
    const visited = new Set<string>();
    const visit = (id: string): string[] | undefined => {
      if (onStack.has(id)) return [...stack.slice(stack.indexOf(id)), id];
      if (visited.has(id) || done.has(id)) return undefined;
      visited.add(id);
      stack.push(id);
      onStack.add(id);
      for (const dep of edges.get(id) ?? []) {
        const cycle = visit(dep);
        if (cycle) return cycle;
      }
      stack.pop();
      onStack.delete(id);
      return undefined;
    };
    for (const id of edges.keys()) {
      const cycle = visit(id);
      if (cycle) return cycle;
    }
    return [...edges.keys()].filter((id) => !done.has(id));
  }

  private async resolveDeps(deps: ServiceDeps, pluginId: string | undefined): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const [name, ref] of Object.entries(deps)) out[name] = await this.resolve(ref.token, ref.id, pluginId);
    return out;
  }

  private resolve(token: symbol, id: string, pluginId: string | undefined): Promise<unknown> {
    const core = this.coreFactories.get(token);
    if (core?.scope === 'plugin') {
      if (!pluginId) return Promise.reject(new KernelError(`服务 ${id} 只能在插件内使用`));
      let cache = this.pluginInstances.get(pluginId);
      if (!cache) {
        cache = new Map();
        this.pluginInstances.set(pluginId, cache);
      }
      let p = cache.get(token);
      if (!p) {
        const scope: PluginScope = { manifest: this.mustRegistration(pluginId).manifest, container: this.containerOf(pluginId) };
        p = this.resolveDeps(core.deps, pluginId).then((d) => core.factory(d, scope));
        p.then((v) => scope.container.registerInstance(token, v), () => undefined);
        cache.set(token, p);
      }
      return p;
    }
    let p = this.rootInstances.get(token);
    if (p) return p;
    if (core) {
      p = this.resolveDeps(core.deps, undefined).then((d) => core.factory(d, undefined));
    } else {
      const provider = this.providerOf.get(token);
      const provision = provider ? this.mustRegistration(provider).provides.get(token) : undefined;
      if (!provider || !provision) return Promise.reject(new KernelError(`没有插件提供服务 ${id}`));
      p = this.resolveDeps(provision.deps, provider).then((d) => provision.factory(d as ResolvedDeps<ServiceDeps>));
    }
    p.then((v) => this.rootContainer.registerInstance(token, v), () => undefined);
    this.rootInstances.set(token, p);
    return p;
  }

  private mustRegistration(id: string): Registration {
    const reg = this.registrations.get(id);
    if (!reg) throw new KernelError(`插件 ${id} 未注册`);
    return reg;
  }
}
