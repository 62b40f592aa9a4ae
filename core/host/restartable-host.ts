import type Koa from 'koa';
import type { Kernel } from '../kernel/kernel';
import type { HostControl, StopGuard } from '../lifecycle/host-control';
import { createLogger } from '../logging/logger';
import type { Store } from '../store/store';
import type { ControlledHost, HostOptions, RunningHost } from './host';

type Boot = (options: HostOptions, control: HostControl) => Promise<RunningHost>;

/**
 * Keeps one boot of the host at a time. A restart stops the whole boot (plugins, database,
 * HTTP server: the kernel's stopped phase), runs the caller's step while nothing holds the
 * data, and boots again on the same port, so a restore can swap the data folder safely.
 */
export class RestartableHost implements ControlledHost {
  private guard: StopGuard | null = null;
  private busy: Promise<void> = Promise.resolve();
  private stopped = false;
  private restartCount = 0;
  readonly control: HostControl;

  private current!: RunningHost;

  private constructor(
    private readonly options: HostOptions,
    private readonly boot: Boot,
  ) {
    this.control = this.createControl();
  }

  static async start(options: HostOptions, boot: Boot): Promise<RestartableHost> {
    const host = new RestartableHost(options, boot);
    host.current = await boot(options, host.control);
    return host;
  }

  get url(): string {
    return this.current.url;
  }
  get port(): number {
    return this.current.port;
  }
  get kernel(): Kernel {
    return this.current.kernel;
  }
  get app(): Koa {
    return this.current.app;
  }
  get store(): Store {
    return this.current.store;
  }
  get restarts(): number {
    return this.restartCount;
  }

  stop(): Promise<void> {
    return this.exclusive(async () => {
      if (this.stopped) return;
      this.stopped = true;
      await this.current.stop();
    });
  }

  private createControl(): HostControl {
    return {
      restart: (o) => this.restart(o?.whileStopped),
      exit: async () => {
        await this.stop();
        this.options.onExit?.();
      },
      setStopGuard: (g) => {
        this.guard = g;
      },
      stopBlockers: async () => (this.guard && !this.stopped ? this.guard() : []),
    };
  }

  private restart(whileStopped: (() => Promise<void>) | undefined): Promise<void> {
    return this.exclusive(async () => {
      if (this.stopped) throw new Error('考点管理系统已停止，不能重新启动');
      const port = this.current.port;
      await this.current.stop();
      // The next boot installs its own guard.
      this.guard = null;
      const logger = this.options.logger ?? createLogger(this.options.config.logLevel);
      try {
        await whileStopped?.();
      } catch (err) {
        // The step is built to leave the old data or the new one: start on whichever is there.
        logger.error({ err }, '重新启动前的数据处理失败，将以现有数据启动');
      }
      this.current = await this.boot({ ...this.options, config: { ...this.options.config, port } }, this.control);
      this.restartCount += 1;
      logger.info({ restarts: this.restartCount }, '考点管理系统已在进程内重新启动');
    });
  }

  private exclusive(work: () => Promise<void>): Promise<void> {
    const result = this.busy.then(work, work);
    this.busy = result.catch(() => undefined);
    return result;
  }
}
