// A panel's data that stays live: fetched on mount and again whenever one of the given
// server events arrives (e.g. "load.changed" when a proctor registers or a package loads).
// An event during a fetch queues exactly one more fetch, so the last state always wins
// without piling up requests.
import { onBeforeUnmount, onMounted, ref, shallowRef, type Ref, type ShallowRef } from 'vue';
import { errorMessage } from './api';
import { onServerEvent } from './server-events';

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
}

export function useLiveResource<T>(fetcher: () => Promise<T>, eventTypes: readonly string[], options: LiveResourceOptions<T> = {}): LiveResource<T> {
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
    for (const type of eventTypes) unsubscribers.push(onServerEvent(type, () => void reload()));
  });
  onBeforeUnmount(() => unsubscribers.splice(0).forEach((u) => u()));

  return { data, loading, error, reload };
}
