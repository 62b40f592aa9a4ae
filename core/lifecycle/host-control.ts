/**
 * What the running product can ask of its host (issue 9 point 5, R9.5): restart in process
 * (the data may be swapped while everything is stopped) and exit, with a guard that says
 * why stopping now would be harmful.
 */
export interface HostControl {
  /**
   * Stops every plugin, closes the database, runs `whileStopped` (e.g. swap the data in),
   * then starts again on the same port. Resolves once the new host is up.
   */
  restart(options?: { whileStopped?: () => Promise<void> }): Promise<void>;
  /** Stops the product cleanly (the process exits when run by `npm start`). */
  exit(): Promise<void>;
  /** Installs the check run before an exit or stop signal: the reasons not to stop now (empty = fine). */
  setStopGuard(guard: StopGuard): void;
  /** The guard's current reasons (empty without a guard). */
  stopBlockers(): Promise<readonly string[]>;
}

export type StopGuard = () => Promise<readonly string[]>;

/** Live event published when a stop signal was refused (payload `{ message }`), shown loudly by the web. */
export const HOST_STOP_REFUSED_EVENT = 'host.stopRefused';
