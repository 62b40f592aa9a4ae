import { EventEmitter } from 'node:events';

/**
 * A typed hardware event (R10.2). Events are named by these ref objects, not strings, so a
 * listener and an emitter cannot disagree about the payload; a plugin declares its own in
 * its api/ (e.g. a card reader's `reader.inserted`) and the core list stays closed.
 */
export class HardwareEvent<T> {
  declare readonly payloadType: T;
  constructor(readonly id: string, readonly description: string) {}
}

export function createHardwareEvent<T>(id: string, description: string): HardwareEvent<T> {
  return new HardwareEvent<T>(id, description);
}

export type DongleKind = 'hid' | 'soft';

/** The dongle's events, emitted by the host. */
export const dongleEvents = {
  attached: createHardwareEvent<{ id: string; kind: DongleKind }>('dongle.attached', '机考锁已连接'),
  removed: createHardwareEvent<{ id: string; kind: DongleKind }>('dongle.removed', '机考锁已移除'),
  error: createHardwareEvent<{ message: string }>('dongle.error', '机考锁错误'),
  calibrated: createHardwareEvent<{ id: string; time: string; source: 'online' | 'file' }>('dongle.calibrated', '机考锁已校时'),
};

export class HardwareEvents {
  private readonly emitter = new EventEmitter();
  /** One emitter key per event object: two refs with the same id never mix. */
  private readonly keys = new Map<HardwareEvent<unknown>, symbol>();

  /** `onHookError` hears about every failing hook (the host logs it). */
  constructor(private readonly onHookError: (event: string, error: unknown) => void = () => undefined) {}

  on<T>(event: HardwareEvent<T>, listener: (payload: T) => void | Promise<void>): () => void {
    const safe = (p: T): void => {
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
    const key = this.keyOf(event);
    this.emitter.on(key, safe);
    return () => this.emitter.off(key, safe);
  }

  emit<T>(event: HardwareEvent<T>, payload: T): void {
    this.emitter.emit(this.keyOf(event), payload);
  }

  private keyOf(event: HardwareEvent<unknown>): symbol {
    let key = this.keys.get(event);
    if (!key) {
      key = Symbol(event.id);
      this.keys.set(event, key);
    }
    return key;
  }

  private report(event: HardwareEvent<unknown>, error: unknown): void {
    try {
      this.onHookError(event.id, error);
    } catch {
      // the error callback itself must not throw either
    }
  }
}
