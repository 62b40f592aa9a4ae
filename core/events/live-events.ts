import type { LiveTopic } from './live-topic';

/** A live event for the admin UI (server-sent events on GET /api/events). */
export interface LiveEvent {
  /** The topic id (the SSE `event:` name). */
  readonly type: string;
  readonly data: unknown;
}

export type LiveListener = (event: LiveEvent) => void;

interface Subscriber {
  readonly listener: LiveListener;
  /** null: every topic. */
  readonly topics: ReadonlySet<string> | null;
}

/** Values waiting for the end of one topic's coalescing window, latest per key. */
interface PendingTopic {
  readonly values: Map<string, unknown>;
  readonly timer: NodeJS.Timeout;
}

/**
 * Fan-out of typed live topics to every open admin page. A topic with `coalesceMs` sends
 * the latest value per key once per window, so a thousand heartbeats a second cost the
 * pages a bounded number of messages.
 */
export class LiveEvents {
  private readonly subscribers = new Set<Subscriber>();
  private readonly pending = new Map<string, PendingTopic>();

  /** `value` is checked against the topic's type (not widened from it). */
  publish<T>(topic: LiveTopic<T>, value: NoInfer<T>): void {
    if (!this.anyoneWants(topic.id)) return;
    if (topic.coalesceMs <= 0) {
      this.deliver(topic.id, value);
      return;
    }
    const waiting = this.pending.get(topic.id);
    if (waiting) {
      // Re-inserting moves the key last, so deliveries keep the order of latest changes.
      const key = topic.keyOf(value);
      waiting.values.delete(key);
      waiting.values.set(key, value);
      return;
    }
    const values = new Map<string, unknown>([[topic.keyOf(value), value]]);
    const timer = setTimeout(() => this.flushTopic(topic.id), topic.coalesceMs);
    timer.unref();
    this.pending.set(topic.id, { values, timer });
  }

  /** `topics`: only these topic ids reach the listener (default: all). */
  subscribe(listener: LiveListener, topics: ReadonlySet<string> | null = null): () => void {
    const subscriber: Subscriber = { listener, topics };
    this.subscribers.add(subscriber);
    return () => this.subscribers.delete(subscriber);
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /** Whether a publication of this topic would reach anyone (skip building it otherwise). */
  anyoneWants(topicId: string): boolean {
    for (const s of this.subscribers) if (!s.topics || s.topics.has(topicId)) return true;
    return false;
  }

  /** Sends every coalesced value now (host stop, tests). */
  flush(): void {
    for (const id of [...this.pending.keys()]) this.flushTopic(id);
  }

  private flushTopic(topicId: string): void {
    const waiting = this.pending.get(topicId);
    if (!waiting) return;
    clearTimeout(waiting.timer);
    this.pending.delete(topicId);
    for (const value of waiting.values.values()) this.deliver(topicId, value);
  }

  private deliver(type: string, data: unknown): void {
    const event: LiveEvent = { type, data };
    for (const s of this.subscribers) {
      if (s.topics && !s.topics.has(type)) continue;
      try {
        s.listener(event);
      } catch {
        // A broken subscriber must not stop the others.
      }
    }
  }
}
