import { expect } from 'chai';
import { HardwareEvents, createHardwareEvent, dongleEvents } from '../hardware-events';

describe('hardware hooks (R10.2): a vendor hook that fails never takes the process down', () => {
  it('a throwing hook and an async hook that rejects are contained; the other hooks still run', async () => {
    const hardware = new HardwareEvents();
    const seen: string[] = [];
    const stray: unknown[] = [];
    const onStray = (reason: unknown): void => void stray.push(reason);
    // Mocha's own handler would turn a stray rejection into a failure of some later test.
    const mochaHandlers = process.listeners('unhandledRejection');
    process.removeAllListeners('unhandledRejection');
    process.on('unhandledRejection', onStray);
    try {
      hardware.on(dongleEvents.removed, () => {
        throw new Error('sync hook failed');
      });
      hardware.on(dongleEvents.removed, async () => {
        await Promise.resolve();
        throw new Error('async hook failed');
      });
      hardware.on(dongleEvents.removed, (d) => void seen.push(d.id));
      hardware.emit(dongleEvents.removed, { id: 'KD-0001', kind: 'hid' });
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      process.off('unhandledRejection', onStray);
      for (const h of mochaHandlers) process.on('unhandledRejection', h as (reason: unknown) => void);
    }
    expect(seen).to.deep.equal(['KD-0001']);
    expect(stray).to.deep.equal([]);
  });

  it('reports a failing hook to the error callback (for the log)', async () => {
    const errors: string[] = [];
    const hardware = new HardwareEvents((event, e) => void errors.push(`${event}: ${(e as Error).message}`));
    hardware.on(dongleEvents.attached, async () => {
      throw new Error('boom');
    });
    hardware.emit(dongleEvents.attached, { id: 'KD-0001', kind: 'hid' });
    await new Promise((r) => setTimeout(r, 20));
    expect(errors).to.deep.equal(['dongle.attached: boom']);
  });

  it('carries events a plugin declares itself, typed by their ref; refs with the same id stay apart', () => {
    const hardware = new HardwareEvents();
    const inserted = createHardwareEvent<{ slot: number }>('reader.inserted', '读卡器插入了证件');
    const lookalike = createHardwareEvent<{ slot: number }>('reader.inserted', '另一个插件的同名事件');
    const seen: number[] = [];
    hardware.on(inserted, (p) => void seen.push(p.slot));
    hardware.on(lookalike, (p) => void seen.push(-p.slot));
    hardware.emit(inserted, { slot: 2 });
    expect(seen).to.deep.equal([2]);
  });
});
