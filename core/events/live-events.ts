/** A live event for the admin UI (server-sent events on GET /api/events). */
export interface LiveEvent {
  readonly type: string;
  readonly data: unknown;
}

export type LiveListener = (event: LiveEvent) => void;

/** Fan-out of live updates to every open admin page. */
export class LiveEvents {
  private readonly listeners = new Set<LiveListener>();

  publish(type: string, data: unknown): void {
    const event = { type, data };
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        // A broken subscriber must not stop the others.
      }
    }
  }

  subscribe(listener: LiveListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get subscriberCount(): number {
    return this.listeners.size;
  }
}
