// A panel's data that stays live: fetched on mount and again whenever one of the given
// live topics arrives (e.g. loadChangedTopic when a package loads), or patched in place by
// a topic that carries the new state (`patches`, see patchWith), without a re-fetch.
// An event during a fetch queues exactly one more fetch, so the last state always wins
// without piling up requests.
import { onBeforeUnmount, onMounted, ref, shallowRef, type Ref, type ShallowRef } from 'vue';
import type { LiveTopic } from '../../core/events/live-topic';
import { errorMessage } from './api';
import { onLiveTopic, onServerEvent } from './server-events';

export interface LiveResource<T> {
  /** The last successful answer (null until the first one). */
  readonly data: ShallowRef<T | null>;
  /** True while a fetch runs. */
  readonly loading: Ref<boolean>;
  /** The Chinese message of the last failed fetch, '' after a success. */
  readonly error: Ref<string>;
  /** Fetches now (or once more after the running fetch). Never throws. */
  reload(): Promise<void>;
}

export interface LiveResourceOptions<T> {
  /** Shown when the fetch fails without a server message. */
  failureMessage?: string;
  /** Runs after each successful fetch, e.g. to keep a selection valid. */
  onLoaded?: (data: T) => void;
  /** Topics whose values update the data in place (no re-fetch). */
  patches?: readonly LivePatch<T>[];
}

/** Applies one topic's pushed values to the current data. */
export interface LivePatch<T> {
  subscribe(update: (apply: (current: T) => T) => void): () => void;
}

/** `apply` returns the new data for the pushed value (or `current` when it does not concern it). */
export function patchWith<T, V>(topic: LiveTopic<V>, apply: (current: T, value: V) => T): LivePatch<T> {
  return { subscribe: (update) => onLiveTopic(topic, (value) => update((current) => apply(current, value))) };
}

/** Topics that only say "something changed, read again". */
export interface RefetchTopic {
  readonly id: string;
}

export function useLiveResource<T>(fetcher: () => Promise<T>, refetchOn: readonly RefetchTopic[], options: LiveResourceOptions<T> = {}): LiveResource<T> {
  const data = shallowRef<T | null>(null);
  const loading = ref(false);
  const error = ref('');
  let queued = false;

  async function reload(): Promise<void> {
    if (loading.value) {
      queued = true;
      return;
    }
    loading.value = true;
    try {
      const value = await fetcher();
      data.value = value;
      error.value = '';
      options.onLoaded?.(value);
    } catch (err) {
      error.value = errorMessage(err, options.failureMessage ?? '无法读取数据，请稍后重试。');
    } finally {
      loading.value = false;
      if (queued) {
        queued = false;
        void reload();
      }
    }
  }

  const unsubscribers: (() => void)[] = [];
  onMounted(() => {
    void reload();
    for (const topic of refetchOn) unsubscribers.push(onServerEvent(topic.id, () => void reload()));
    for (const patch of options.patches ?? []) {
      unsubscribers.push(
        patch.subscribe((apply) => {
          // Before the first answer there is nothing to patch; that answer is newer anyway.
          if (data.value !== null) data.value = apply(data.value);
        }),
      );
    }
  });
  onBeforeUnmount(() => unsubscribers.splice(0).forEach((u) => u()));

  return { data, loading, error, reload };
}
