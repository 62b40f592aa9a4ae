import { expect } from 'chai';
import { HardwareEvents } from '../hardware-events';

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
      hardware.on('dongle.removed', () => {
        throw new Error('sync hook failed');
      });
      hardware.on('dongle.removed', async () => {
        await Promise.resolve();
        throw new Error('async hook failed');
      });
      hardware.on('dongle.removed', (d) => void seen.push(d.id));
      hardware.emit('dongle.removed', { id: 'KD-0001', kind: 'hid' });
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
    hardware.on('dongle.attached', async () => {
      throw new Error('boom');
    });
    hardware.emit('dongle.attached', { id: 'KD-0001', kind: 'hid' });
    await new Promise((r) => setTimeout(r, 20));
    expect(errors).to.deep.equal(['dongle.attached: boom']);
  });
});
