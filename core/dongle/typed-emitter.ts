/**
 * A small typed emitter. A throwing listener is reported to `onListenerError` and never
 * reaches the emitter: a broken subscriber must not take the dongle poller down with it.
 */
export class TypedEmitter<M extends { [K in keyof M]: unknown }> {
  private readonly listeners = new Map<keyof M, Set<(payload: never) => void>>();

  constructor(private readonly onListenerError: (error: unknown) => void = () => undefined) {}

  /** Returns the unsubscribe function. */
  on<K extends keyof M>(event: K, listener: (payload: M[K]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener as (payload: never) => void);
    return () => this.off(event, listener);
  }

  off<K extends keyof M>(event: K, listener: (payload: M[K]) => void): void {
    this.listeners.get(event)?.delete(listener as (payload: never) => void);
  }

  emit<K extends keyof M>(event: K, payload: M[K]): void {
    for (const listener of [...(this.listeners.get(event) ?? [])]) {
      try {
        (listener as (p: M[K]) => void)(payload);
      } catch (e) {
        this.onListenerError(e);
      }
    }
  }
}
