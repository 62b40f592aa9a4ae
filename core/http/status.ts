import type { SiteSettings } from '../settings/site-settings';
import type { LiveEvents } from '../events/live-events';
import { statusTopic } from './status-topic';
import { viewStatusItems, type StatusItem, type StatusItemView } from './status-items';

export type RunState = 'running' | 'stopped';

export interface DongleStatusView {
  readonly present: boolean;
  readonly id: string | null;
  readonly kind: 'hid' | 'soft' | null;
  readonly label: string;
  readonly message?: string;
}

export interface SiteStatus {
  readonly port: number;
  readonly lan: RunState;
  /** Items contributed by plugins (statusItemsPoint), in display order. */
  readonly items: readonly StatusItemView[];
  readonly network: 'up' | 'down';
  /** Trusted time when the dongle is calibrated, else the PC time (see `timeSource`). */
  readonly time: string;
  readonly timeSource: 'trusted' | 'pc';
  readonly trustedTime: string | null;
  readonly siteCode: string | null;
  readonly mode: 'formal' | 'mock';
  readonly dongle: DongleStatusView;
}

export interface StatusProviders {
  dongle(): DongleStatusView;
  trustedTime(): Promise<Date | null>;
}

/**
 * The status bar (R1.5). Core owns LAN, network, time and dongle; plugins contribute
 * further items (statusItemsPoint) and call `publish()` when theirs change. Changes are
 * published as the live event `status`.
 */
export class StatusService {
  private lan: RunState = 'stopped';
  private items: readonly StatusItem[] = [];
  private network: 'up' | 'down' = 'down';
  private port = 0;
  private providers: StatusProviders = {
    dongle: () => ({ present: false, id: null, kind: null, label: '机考锁', message: '未检测到机考锁' }),
    trustedTime: async () => null,
  };
  private ticker: NodeJS.Timeout | null = null;
  private readonly networkListeners = new Set<(state: 'up' | 'down') => void>();

  constructor(
    private readonly settings: SiteSettings,
    private readonly live: LiveEvents,
  ) {
    settings.onChange(() => void this.publish());
  }

  setProviders(p: StatusProviders): void {
    this.providers = p;
  }

  setLan(state: RunState, port: number): void {
    this.lan = state;
    this.port = port;
    void this.publish();
  }

  /** The contributed items, set by the host once the kernel has built them. */
  setItems(items: readonly StatusItem[]): void {
    this.items = items;
    void this.publish();
  }

  setNetwork(state: 'up' | 'down'): void {
    if (this.network === state) return;
    this.network = state;
    void this.publish();
    for (const l of this.networkListeners) {
      try {
        l(state);
      } catch {
        // A listener's failure must not affect the status bar.
      }
    }
  }

  /** Called when the centre becomes reachable or unreachable (e.g. to re-run pending checks). */
  onNetworkChange(listener: (state: 'up' | 'down') => void): () => void {
    this.networkListeners.add(listener);
    return () => this.networkListeners.delete(listener);
  }

  get networkState(): 'up' | 'down' {
    return this.network;
  }

  async snapshot(): Promise<SiteStatus> {
    const trusted = await this.providers.trustedTime().catch(() => null);
    const s = this.settings.get();
    return {
      port: this.port,
      lan: this.lan,
      items: viewStatusItems(this.items),
      network: this.network,
      time: (trusted ?? new Date()).toISOString(),
      timeSource: trusted ? 'trusted' : 'pc',
      trustedTime: trusted ? trusted.toISOString() : null,
      siteCode: s.siteCode,
      mode: s.mode,
      dongle: this.providers.dongle(),
    };
  }

  async publish(): Promise<void> {
    if (!this.live.anyoneWants(statusTopic.id)) return;
    this.live.publish(statusTopic, await this.snapshot());
  }

  /** The clock in the status bar ticks once a second while someone watches. */
  startTicker(): void {
    if (this.ticker) return;
    this.ticker = setInterval(() => void this.publish(), 1000);
    this.ticker.unref();
  }

  stopTicker(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = null;
  }
}
