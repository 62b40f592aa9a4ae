// A component's subscription to a typed live topic, for as long as it is mounted.
import { onBeforeUnmount, onMounted } from 'vue';
import type { LiveTopic } from '../../core/events/live-topic';
import { onLiveTopic } from './server-events';

/** Calls `onValue` with each pushed (schema-checked) value while the component is mounted. */
export function useLiveTopic<T>(topic: LiveTopic<T>, onValue: (value: T) => void): void {
  let unsubscribe: (() => void) | null = null;
  onMounted(() => {
    unsubscribe = onLiveTopic(topic, onValue);
  });
  onBeforeUnmount(() => {
    unsubscribe?.();
    unsubscribe = null;
  });
}
