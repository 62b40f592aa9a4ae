import type { CentreClient } from './centre-client';

export type NetworkState = 'up' | 'down';

export interface ReachabilityProbeOptions {
  readonly centre: CentreClient;
  /** Where the state goes (the status bar's 网络连接). */
  readonly report: (state: NetworkState) => void;
  readonly intervalMs: number;
  /** Called when the centre becomes reachable again (the outbox sends at once). */
  readonly onUp?: () => void;
}

/**
 * Pings the centre every few seconds and reports up/down. Without a configured centre
 * the network is truthfully "down" and nothing is pinged.
 */
export class ReachabilityProbe {
  private timer: NodeJS.Timeout | null = null;
  private state: NetworkState | null = null;
  private inFlight: Promise<NetworkState> | null = null;
  private stopped = true;

  constructor(private readonly options: ReachabilityProbeOptions) {}

  get current(): NetworkState {
    return this.state ?? 'down';
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.tick();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** One probe now (also used by tests and by a "重新检测" button). */
  checkNow(): Promise<NetworkState> {
    if (!this.inFlight) {
      this.inFlight = this.probe().finally(() => {
        this.inFlight = null;
      });
    }
    return this.inFlight;
  }

  private async tick(): Promise<void> {
    await this.checkNow();
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), this.options.intervalMs);
    this.timer.unref();
  }

  private async probe(): Promise<NetworkState> {
    let next: NetworkState = 'down';
    if (this.options.centre.configured) {
      try {
        await this.options.centre.ping();
        next = 'up';
      } catch {
        next = 'down';
      }
    }
    if (this.stopped && this.state !== null) return next;
    const was = this.state;
    this.state = next;
    this.options.report(next);
    if (next === 'up' && was !== 'up') this.options.onUp?.();
    return next;
  }
}
