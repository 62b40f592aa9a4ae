import { container as globalContainer, type DependencyContainer } from 'tsyringe';
import { checkManifest, type CheckedManifest } from './manifest';
import type {
  ContributionFactory,
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

/** One contribution as declared: a value, or a factory built at start. */
type Contribution =
  | { readonly contributor: string; readonly value: unknown }
  | { readonly contributor: string; readonly factory: ContributionFactory<unknown, ServiceDeps> };

interface PointState {
  owner?: string;
  /** Owned by the host (core) rather than a plugin: read through `hostContributions`. */
  readonly hostOwned: boolean;
  readonly declared: Contribution[];
  /** Building the contributions (once); `settled` holds them, frozen, when done. */
  built: Promise<readonly unknown[]> | null;
  settled: readonly unknown[] | null;
}

export interface KernelLogger {
  info(message: string): void;
  error(message: string): void;
}

export interface KernelOptions {
  readonly hostVersion: string;
  readonly logger: KernelLogger;
  readonly coreServices: readonly CoreServiceFactory[];
  /**
   * The workflow order, host data (plugins/workflow.ts): a plugin's manifest `stage` must
   * be one of these, and among plugins ready to start the earlier stage goes first.
   */
  readonly workflow?: readonly string[];
  /** Extension points the host itself owns (status-bar items, …), read after start. */
  readonly hostPoints?: readonly ExtensionPoint<unknown>[];
}

/**
 * The plugin kernel. It knows no workflow stage by name: the order comes from the host's
 * workflow list. Plugins register (declare), the kernel checks and orders them, then
 * starts them one by one.
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
    for (const point of options.hostPoints ?? []) {
      if (this.points.has(point)) throw new KernelError(`宿主扩展点 ${point.id} 重复声明`);
      this.points.set(point, { hostOwned: true, declared: [], built: null, settled: null });
    }
  }

  private get workflow(): readonly string[] {
    return this.options.workflow ?? [];
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
      // The owner reads its points at init: their contributions are built first.
      for (const point of reg.ownedPoints) await this.buildPoint(point);
      for (const init of reg.inits) {
        const deps = await this.resolveDeps(init.deps, id);
        await init.init(deps as ResolvedDeps<ServiceDeps>, reader);
      }
    }
    // Host points are built last, so their contributions may use any plugin's service.
    for (const [point, state] of this.points) if (state.hostOwned) await this.buildPoint(point);
    this.phase = 'started';
  }

  /** The contributions to an extension point the host owns (see `hostPoints`), after start. */
  hostContributions<T>(point: ExtensionPoint<T>): Promise<readonly T[]> {
    const state = this.points.get(point as ExtensionPoint<unknown>);
    if (!state?.hostOwned) return Promise.reject(new KernelError(`扩展点 ${point.id} 不属于宿主`));
    if (!state.built) return Promise.reject(new KernelError(`扩展点 ${point.id} 的内容在内核启动后才可读取`));
    return state.built as Promise<readonly T[]>;
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
    if (manifest.stage && !this.workflow.includes(manifest.stage)) {
      throw new KernelError(
        `插件 ${manifest.id} 声明的工作流阶段 ${manifest.stage} 不在宿主的工作流中（${this.workflow.join(' → ') || '空'}）；请换用与本系统匹配的插件版本`,
      );
    }
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
        if (state.hostOwned) throw new KernelError(`扩展点 ${point.id} 由宿主声明，插件 ${manifest.id} 不能重复声明`);
        if (state.owner) throw new KernelError(`扩展点 ${point.id} 已由插件 ${state.owner} 声明，插件 ${manifest.id} 不能重复声明`);
        state.owner = manifest.id;
        reg.ownedPoints.add(point as ExtensionPoint<unknown>);
      },
      extend(point, contribution) {
        kernel.assertOpen(manifest.id);
        // Checked now: a bad vendor contribution stops the boot naming the vendor.
        checkContribution(point, contribution, manifest.id);
        kernel.pointState(point).declared.push({ contributor: manifest.id, value: contribution });
      },
      extendWith(point, contribution) {
        kernel.assertOpen(manifest.id);
        const factory = contribution as unknown as ContributionFactory<unknown, ServiceDeps>;
        kernel.pointState(point).declared.push({ contributor: manifest.id, factory });
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
      state = { hostOwned: false, declared: [], built: null, settled: null };
      this.points.set(point, state);
    }
    return state;
  }

  /**
   * A point nobody loaded owns is optional: its contributions are dropped with a log line,
   * so a plugin runs (and tests) without the plugins it merely contributes to.
   */
  private checkPoints(): void {
    for (const [point, state] of this.points) {
      if (!state.owner && !state.hostOwned) {
        const who = [...new Set(state.declared.map((c) => c.contributor))].join('、');
        this.options.logger.info(`已跳过插件 ${who} 向扩展点 ${point.id} 提供的内容：没有已加载的插件声明该扩展点`);
        this.points.delete(point);
        continue;
      }
      Object.freeze(state.declared);
      for (const c of state.declared) {
        if ('factory' in c) this.providersOf(c.factory.deps, `插件 ${c.contributor} 向扩展点 ${point.id} 提供的内容`);
      }
    }
  }

  /** Builds a point's contributions once: factories get their deps in the contributor's scope. */
  private buildPoint(point: ExtensionPoint<unknown>): Promise<readonly unknown[]> {
    const state = this.points.get(point);
    if (!state) return Promise.resolve([]);
    state.built ??= (async () => {
      const items: unknown[] = [];
      for (const c of state.declared) {
        if (!('factory' in c)) {
          items.push(c.value);
          continue;
        }
        const deps = await this.resolveDeps(c.factory.deps, c.contributor);
        let value: unknown;
        try {
          value = await c.factory.factory(deps as ResolvedDeps<ServiceDeps>);
        } catch (e) {
          throw new KernelError(`插件 ${c.contributor} 为扩展点 ${point.id} 构建内容时出错：${e instanceof Error ? e.message : String(e)}`);
        }
        checkContribution(point, value, c.contributor);
        items.push(value);
      }
      state.settled = Object.freeze(items);
      return state.settled;
    })();
    return state.built;
  }

  private readerFor(pluginId: string): ExtensionReader {
    return {
      get: <T>(point: ExtensionPoint<T>): readonly T[] => {
        const state = this.points.get(point as ExtensionPoint<unknown>);
        if (!state || state.owner !== pluginId) {
          throw new KernelError(`插件 ${pluginId} 没有声明扩展点 ${point.id}，不能读取它`);
        }
        if (!state.settled) throw new KernelError(`扩展点 ${point.id} 的内容尚未构建`);
        return state.settled as readonly T[];
      },
    };
  }

  /** The plugins providing `deps` (core services need none); a missing provider is refused. */
  private providersOf(deps: ServiceDeps, who: string): Set<string> {
    const providers = new Set<string>();
    for (const ref of Object.values(deps)) {
      if (this.coreFactories.has(ref.token)) continue;
      const provider = this.providerOf.get(ref.token);
      if (!provider) throw new KernelError(`${who}依赖服务 ${ref.id}，但没有已加载的插件提供它`);
      providers.add(provider);
    }
    return providers;
  }

  /**
   * What must start before `reg`: its `dependsOn`, the plugin it extends, the providers of
   * the services it uses, and the providers of the services that contributions to its own
   * points need (they are built just before its init). The contributor itself is NOT a
   * dependency: a plugin that contributes to a point usually also depends on its owner
   * (a vendor extending it), and making the owner wait for it would be a cycle.
   */
  private dependenciesOf(reg: Registration): Set<string> {
    const deps = new Set<string>(reg.manifest.dependsOn);
    if (reg.manifest.extends) deps.add(reg.manifest.extends);
    const refsUsed: ServiceDeps[] = [...reg.inits.map((i) => i.deps), ...[...reg.provides.values()].map((p) => p.deps)];
    for (const group of refsUsed) for (const p of this.providersOf(group, `插件 ${reg.manifest.id} `)) deps.add(p);
    for (const point of reg.ownedPoints) {
      for (const c of this.points.get(point)?.declared ?? []) {
        if ('factory' in c) for (const p of this.providersOf(c.factory.deps, `插件 ${c.contributor} 向扩展点 ${point.id} 提供的内容`)) deps.add(p);
      }
    }
    deps.delete(reg.manifest.id);
    for (const dep of deps) {
      if (!this.registrations.has(dep)) {
        throw new KernelError(`插件 ${reg.manifest.id} 依赖插件 ${dep}，但 ${dep} 没有加载`);
      }
    }
    return deps;
  }

  private rankOf(id: string, seen = new Set<string>()): number {
    const m = this.mustRegistration(id).manifest;
    if (m.stage) return this.workflow.indexOf(m.stage);
    if (m.extends && !seen.has(id) && this.registrations.has(m.extends)) {
      seen.add(id);
      return this.rankOf(m.extends, seen) + 0.5;
    }
    return this.workflow.length;
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

/** Refuses a contribution its point's schema does not accept, naming the plugin. */
function checkContribution(point: ExtensionPoint<unknown>, value: unknown, pluginId: string): void {
  const schema = point.options.schema;
  if (!schema) return;
  const parsed = schema.safeParse(value);
  if (parsed.success) return;
  const issues = parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(整体)'}：${i.message}`).join('；');
  throw new KernelError(`插件 ${pluginId} 向扩展点 ${point.id} 提供的内容无效：${issues}；请向插件提供者索取与本系统匹配的版本`);
}
