// Browser-safe: imported by server code that publishes and by web code that listens, so
// both sides share one id and one payload type (no server imports here, only zod).
import type { ZodType } from 'zod';

/** Topic ids: dotted lower-case words, e.g. `centre.outbox`. They travel in `?topics=`. */
export const LIVE_TOPIC_ID_PATTERN = /^[a-z][a-zA-Z0-9-]*(\.[a-z][a-zA-Z0-9-]*)*$/;

export interface LiveTopicOptions<T> {
  /**
   * Publications of the same key within this window reach subscribers once, with the
   * latest value (0 = every publication at once). For high-rate state such as heartbeats.
   */
  readonly coalesceMs?: number;
  /** Which publications replace each other while coalescing (default: all of them). */
  readonly keyOf?: (value: T) => string;
}

/** A typed live topic: what the server pushes on GET /api/events and the web applies. */
export interface LiveTopic<T> {
  readonly id: string;
  /** Checks a pushed value on the web side before it is applied. */
  readonly schema: ZodType<T>;
  readonly coalesceMs: number;
  readonly keyOf: (value: T) => string;
}

const SINGLE_KEY = (): string => '';

export function createLiveTopic<T>(id: string, schema: ZodType<T>, options: LiveTopicOptions<T> = {}): LiveTopic<T> {
  if (!LIVE_TOPIC_ID_PATTERN.test(id)) throw new Error(`invalid live topic id: ${id}`);
  const coalesceMs = options.coalesceMs ?? 0;
  if (!Number.isFinite(coalesceMs) || coalesceMs < 0) throw new Error(`invalid coalesceMs for ${id}: ${coalesceMs}`);
  return Object.freeze({ id, schema, coalesceMs, keyOf: options.keyOf ?? SINGLE_KEY });
}
