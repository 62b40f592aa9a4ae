import { expect } from 'chai';
import http from 'node:http';
import { coreServices } from '../../services';
import { TestClient } from '../../testing/http-client';
import { serverPerTest } from '../../testing/server-per-test';
import { waitFor } from '../../testing/wait-for';
import type { ErrorBody } from '../errors';
import { z } from 'zod';
import { createLiveTopic } from '../../events/live-topic';

const wantedTopic = createLiveTopic('test.wanted', z.object({ n: z.number() }));
const otherTopic = createLiveTopic('test.other', z.object({ n: z.number() }));

interface OpenStream {
  readonly status: number;
  /** Resolves with the text received once the server ends the stream. */
  readonly ended: Promise<string>;
  /** What arrived so far. */
  text(): string;
  /** Resolves once an `event: <type>` block has arrived. */
  waitFor(type: string): Promise<void>;
  close(): void;
}

function openEvents(baseUrl: string, token: string | null, query = ''): Promise<OpenStream> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${baseUrl}/api/events${query}`, { headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      let text = '';
      const waiters: { type: string; done: () => void }[] = [];
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        for (const w of waiters.filter((x) => text.includes(`event: ${x.type}\n`))) w.done();
      });
      const ended = new Promise<string>((done) => {
        res.on('end', () => done(text));
        res.on('close', () => done(text));
        res.on('error', () => done(text));
      });
      resolve({
        status: res.statusCode ?? 0,
        ended,
        text: () => text,
        waitFor: (type) =>
          text.includes(`event: ${type}\n`) ? Promise.resolve() : new Promise<void>((done) => waiters.push({ type, done })),
        close: () => req.destroy(),
      });
    });
    req.on('error', (e) => reject(e));
  });
}

describe('GET /api/events — live updates for the admin UI (R1.5)', function () {
  this.timeout(30000);
  const t = serverPerTest({ plugins: [] });

  it('refuses a caller without a session, in Chinese JSON', async () => {
    const r = await t.client.get<ErrorBody>('/api/events');
    expect(r.status).to.equal(401);
    expect(r.body.error.message).to.equal('请先登录');
  });

  it('sends the status at once, and drops the listener when the browser goes away (no leak)', async () => {
    await t.client.login();
    const live = await t.server.kernel.get(coreServices.liveEvents);
    const before = live.subscriberCount;
    for (let i = 0; i < 5; i++) {
      const stream = await openEvents(t.server.url, t.client.token);
      expect(stream.status).to.equal(200);
      await stream.waitFor('status');
      expect(live.subscriberCount).to.equal(before + 1);
      stream.close();
      await waitFor('listener removed', () => live.subscriberCount === before, 3000, 20);
    }
  });

  it('ends the stream of a session at logout, and of the other sessions at a password change (R9.4)', async () => {
    await t.client.login();
    const other = new TestClient(t.server.url);
    await other.login();
    const live = await t.server.kernel.get(coreServices.liveEvents);
    const mine = await openEvents(t.server.url, t.client.token);
    const theirs = await openEvents(t.server.url, other.token);
    await mine.waitFor('status');
    await theirs.waitFor('status');

    expect((await t.client.put('/api/auth/password', { oldPassword: '888', newPassword: 'Secret-2026', confirmPassword: 'Secret-2026' })).status).to.equal(200);
    await theirs.ended;
    expect(live.subscriberCount).to.equal(1);

    expect((await t.client.post('/api/auth/logout')).status).to.equal(200);
    await mine.ended;
    await waitFor('no listener left', () => live.subscriberCount === 0, 3000, 20);
  });

  it('sends only the topics asked for in ?topics= (no status when not asked)', async () => {
    await t.client.login();
    const live = await t.server.kernel.get(coreServices.liveEvents);
    const onlyLoad = await openEvents(t.server.url, t.client.token, '?topics=test.wanted');
    const statusToo = await openEvents(t.server.url, t.client.token, '?topics=status,test.wanted');
    await statusToo.waitFor('status');
    await waitFor('both subscribed', () => live.subscriberCount === 2, 3000, 20);
    live.publish(wantedTopic, { n: 1 });
    live.publish(otherTopic, { n: 2 });
    await onlyLoad.waitFor('test.wanted');
    await statusToo.waitFor('test.wanted');
    // The status ticker runs once a second: wait past one tick before looking.
    await new Promise((r) => setTimeout(r, 1200));
    expect(onlyLoad.text()).not.to.include('event: status\n');
    expect(onlyLoad.text()).not.to.include('event: test.other\n');
    expect(statusToo.text()).not.to.include('event: test.other\n');
    onlyLoad.close();
    statusToo.close();
  });

  it('refuses a malformed ?topics= with a Chinese message', async () => {
    await t.client.login();
    const r = await t.client.get<ErrorBody>('/api/events?topics=status,;drop');
    expect(r.status).to.equal(400);
    expect(r.body.error.message).to.include('应为逗号分隔的主题名');
  });

  it('is documented in /api/openapi.json', async () => {
    const r = await t.client.get<{ paths: Record<string, { get?: { security?: unknown[] } }> }>('/api/openapi.json');
    expect(r.body.paths['/api/events']?.get?.security).to.have.length.greaterThan(0);
  });
});
