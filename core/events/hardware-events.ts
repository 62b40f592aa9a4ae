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

  /** `onHookError` hears about every failing hook (the host logs it). */
  constructor(private readonly onHookError: (event: HardwareEventName, error: unknown) => void = () => undefined) {}

  on<E extends HardwareEventName>(event: E, listener: (payload: HardwareEventMap[E]) => void | Promise<void>): () => void {
    const safe = (p: HardwareEventMap[E]): void => {
      // A hook that throws must not take the process down.
      try {
        const result = listener(p);
        // An async hook's rejection would otherwise be unhandled, which ends a Node process.
        if (result && typeof (result as Promise<void>).then === 'function') {
          (result as Promise<void>).then(undefined, (e: unknown) => this.report(event, e));
        }
      } catch (e) {
        this.report(event, e);
      }
    };
    this.emitter.on(event, safe);
    return () => this.emitter.off(event, safe);
  }

  private report(event: HardwareEventName, error: unknown): void {
    try {
      this.onHookError(event, error);
    } catch {
      // the error callback itself must not throw either
    }
  }

  emit<E extends HardwareEventName>(event: E, payload: HardwareEventMap[E]): void {
    this.emitter.emit(event, payload);
  }
}
