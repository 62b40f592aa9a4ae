import type { CentreClient } from './centre-client';
import type { Outbox } from './outbox';
import { ReachabilityProbe, type NetworkState } from './reachability-probe';

export interface CentreLink {
  readonly probe: ReachabilityProbe;
  stop(): Promise<void>;
}

/**
 * Starts what keeps the site connected to the centre while the host runs: the
 * reachability probe (status bar) and the outbox sender, woken when the network returns.
 */
export function startCentreLink(options: {
  centre: CentreClient;
  outbox: Outbox;
  setNetwork: (state: NetworkState) => void;
  probeIntervalMs: number;
}): CentreLink {
  const probe = new ReachabilityProbe({
    centre: options.centre,
    report: options.setNetwork,
    intervalMs: options.probeIntervalMs,
    onUp: () => options.outbox.wake({ now: true }),
  });
  options.outbox.start();
  probe.start();
  return {
    probe,
    async stop() {
      probe.stop();
      await options.outbox.stop();
    },
  };
}
