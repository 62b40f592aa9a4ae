import { expect } from 'chai';
import { z } from 'zod';
import { LiveEvents, type LiveEvent } from '../live-events';
import { createLiveTopic } from '../live-topic';

const roomTopic = createLiveTopic('test.room', z.object({ room: z.string(), count: z.number() }), {
  coalesceMs: 40,
  keyOf: (v) => v.room,
});
const plainTopic = createLiveTopic('test.plain', z.object({ n: z.number() }));

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

describe('LiveEvents — typed live topics (issue 9 point 2)', () => {
  it('sends an uncoalesced topic at once, every publication', () => {
    const live = new LiveEvents();
    const got: LiveEvent[] = [];
    live.subscribe((e) => got.push(e));
    live.publish(plainTopic, { n: 1 });
    live.publish(plainTopic, { n: 2 });
    expect(got).to.deep.equal([
      { type: 'test.plain', data: { n: 1 } },
      { type: 'test.plain', data: { n: 2 } },
    ]);
  });

  it('coalesces a topic to the latest value per key within the window', async () => {
    const live = new LiveEvents();
    const got: unknown[] = [];
    live.subscribe((e) => got.push(e.data));
    for (let i = 1; i <= 50; i++) live.publish(roomTopic, { room: 'A', count: i });
    live.publish(roomTopic, { room: 'B', count: 7 });
    live.publish(roomTopic, { room: 'A', count: 51 });
    expect(got, 'nothing before the window ends').to.deep.equal([]);
    await sleep(80);
    // B changed before A's last change, so B comes first: the order of latest changes.
    expect(got).to.deep.equal([
      { room: 'B', count: 7 },
      { room: 'A', count: 51 },
    ]);
    live.publish(roomTopic, { room: 'A', count: 52 });
    await sleep(80);
    expect(got).to.have.length(3);
    expect(got[2]).to.deep.equal({ room: 'A', count: 52 });
  });

  it('flush() sends the coalesced values at once', () => {
    const live = new LiveEvents();
    const got: unknown[] = [];
    live.subscribe((e) => got.push(e.data));
    live.publish(roomTopic, { room: 'A', count: 1 });
    live.publish(roomTopic, { room: 'A', count: 2 });
    live.flush();
    expect(got).to.deep.equal([{ room: 'A', count: 2 }]);
  });

  it('sends a subscriber only the topics it chose', () => {
    const live = new LiveEvents();
    const onlyPlain: string[] = [];
    const all: string[] = [];
    live.subscribe((e) => onlyPlain.push(e.type), new Set(['test.plain']));
    live.subscribe((e) => all.push(e.type));
    live.publish(roomTopic, { room: 'A', count: 1 });
    live.publish(plainTopic, { n: 1 });
    live.flush();
    expect(onlyPlain).to.deep.equal(['test.plain']);
    expect(all).to.have.members(['test.plain', 'test.room']);
  });

  it('builds nothing for a topic nobody wants, and a throwing subscriber does not stop the others', () => {
    const live = new LiveEvents();
    const got: string[] = [];
    live.subscribe(() => {
      throw new Error('broken page');
    }, new Set(['test.plain']));
    live.subscribe((e) => got.push(e.type), new Set(['test.plain']));
    expect(live.anyoneWants('test.room')).to.equal(false);
    live.publish(roomTopic, { room: 'A', count: 1 });
    live.flush();
    live.publish(plainTopic, { n: 1 });
    expect(got).to.deep.equal(['test.plain']);
  });

  it('refuses a malformed topic id or window', () => {
    expect(() => createLiveTopic('Bad Topic', z.string())).to.throw(/invalid live topic id/);
    expect(() => createLiveTopic('ok.topic', z.string(), { coalesceMs: -1 })).to.throw(/coalesceMs/);
  });
});
