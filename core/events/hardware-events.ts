import { EventEmitter } from 'node:events';

/** Hardware hooks plugins may listen to (R10.2). */
export interface HardwareEventMap {
  'dongle.attached': { id: string; kind: 'hid' | 'soft' };
  'dongle.removed': { id: string; kind: 'hid' | 'soft' };
  'dongle.error': { message: string };
  'dongle.calibrated': { id: string; time: string; source: 'online' | 'file' };
}

export type HardwareEventName = keyof HardwareEventMap;

export class HardwareEvents {
  private readonly emitter = new EventEmitter();

  on<E extends HardwareEventName>(event: E, listener: (payload: HardwareEventMap[E]) => void): () => void {
    const safe = (p: HardwareEventMap[E]): void => {
      try {
        listener(p);
      } catch {
        // A hook that throws must not take the process down.
      }
    };
    this.emitter.on(event, safe);
    return () => this.emitter.off(event, safe);
  }

  emit<E extends HardwareEventName>(event: E, payload: HardwareEventMap[E]): void {
    this.emitter.emit(event, payload);
  }
}
