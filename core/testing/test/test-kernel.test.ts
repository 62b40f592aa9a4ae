import http from 'node:http';
import net from 'node:net';
import { expect } from 'chai';
import { z } from 'zod';
import type { ErrorBody } from '../../http/errors';
import { definePlugin } from '../../kernel/plugin';
import { createServiceRef } from '../../kernel/refs';
import { coreServices } from '../../services';
import { FakeCentreClient } from '../fake-centre';
import { fakeService, startTestKernel, type TestKernel } from '../test-kernel';

/** A service of a plugin that the tests below never load. */
interface RoomNames {
  nameOf(roomCode: string): Promise<string | null>;
}
const roomNamesRef = createServiceRef<RoomNames>('test.roomNames', '考场名称（另一个插件提供）');

/** The plugin under test: one admin route over the other plugin's service, one upload route. */
const greeter = definePlugin({
  manifest: { id: 'greeter', version: '1.0.0', host: '^0.1.0', displayName: '测试插件' },
  register(env) {
    env.registerInit({
      deps: { http: coreServices.http, auth: coreServices.adminAuth, rooms: roomNamesRef },
      init({ http: routes, auth, rooms }) {
        routes.route({
          method: 'get',
          path: '/rooms/:roomCode',
          operationId: 'getGreeterRoomName',
          summary: '考场名称',
          guard: auth.guard,
          params: z.object({ roomCode: z.string() }),
          response: z.object({ name: z.string(), by: z.string() }),
          handler: async ({ params, principal }) => ({ name: (await rooms.nameOf(params.roomCode)) ?? '（无）', by: principal.username }),
        });
        routes.route({
          method: 'post',
          path: '/upload',
          operationId: 'uploadToGreeter',
          summary: '上传',
          guard: auth.guard,
          body: { kind: 'raw', contentTypes: ['application/octet-stream'], maxBytes: 8 * 1024 * 1024, description: '任意内容' },
          response: z.object({ bytes: z.number() }),
          handler: ({ body }) => ({ bytes: body.length }),
        });
      },
    });
  },
});

const rooms = fakeService(roomNamesRef, { nameOf: async (code: string) => (code === '001' ? '第一考场' : null) });

describe('core/testing startTestKernel: one plugin in process, no port, fakes, injected admin (issue 9 point 9)', function () {
  this.timeout(20000);
  let k: TestKernel | null = null;
  afterEach(async () => {
    await k?.stop();
    k = null;
  });

  it('serves the plugin under test with a faked dependency and the injected admin, without listening on any port', async () => {
    const listen = net.Server.prototype.listen;
    let listened = 0;
    net.Server.prototype.listen = function (this: net.Server, ...args: unknown[]) {
      listened++;
      return (listen as (...a: unknown[]) => net.Server).apply(this, args);
    } as typeof listen;
    try {
      k = await startTestKernel({ plugins: [greeter], fakes: [rooms] });
    } finally {
      net.Server.prototype.listen = listen;
    }
    expect(listened, 'startTestKernel opened a socket').to.equal(0);
    console.log(`      startTestKernel setup: ${k.setupMs.toFixed(1)} ms`);
    const r = await k.admin.get<{ name: string; by: string }>('/api/greeter/rooms/001');
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    expect(r.body).to.deep.equal({ name: '第一考场', by: 'admin' });
    expect(await (await k.service(roomNamesRef)).nameOf('002')).to.equal(null);
  });

  it('refuses admin routes with 401 and a Chinese message when the principal is null', async () => {
    k = await startTestKernel({ plugins: [greeter], fakes: [rooms], principal: null });
    const r = await k.admin.get<ErrorBody>('/api/greeter/rooms/001');
    expect(r.status).to.equal(401);
    expect(r.body.error.message).to.equal('请先登录');
  });

  it('fails to start with the kernel’s Chinese reason when a dependency is neither loaded nor faked', async () => {
    let error: unknown = null;
    await startTestKernel({ plugins: [greeter] }).catch((e: unknown) => (error = e));
    expect(String(error)).to.contain('插件 greeter 依赖服务 test.roomNames，但没有已加载的插件提供它');
  });

  it('carries a 5 MB upload and a server-sent event stream through the in-process transport', async () => {
    const centre = new FakeCentreClient();
    k = await startTestKernel({ plugins: [greeter], fakes: [rooms, fakeService(coreServices.centre, centre)] });
    const up = await k.admin.post<{ bytes: number }>('/api/greeter/upload', Buffer.alloc(5 * 1024 * 1024, 7));
    expect(up.status, JSON.stringify(up.body)).to.equal(200);
    expect(up.body.bytes).to.equal(5 * 1024 * 1024);
    expect(await k.service(coreServices.centre)).to.equal(centre);

    const running = k;
    const first = await new Promise<string>((resolve, reject) => {
      const req = http.request(running.http.requestOptions('GET', '/api/events', running.adminHeaders), (res) => {
        expect(res.headers['content-type']).to.contain('text/event-stream');
        let text = '';
        res.on('data', (c: Buffer) => {
          text += c.toString('utf8');
          const event = /event: status\ndata: (.+)\n/.exec(text);
          if (event) {
            resolve(event[1]!);
            req.destroy();
          }
        });
      });
      req.on('error', reject);
      req.end();
    });
    expect(JSON.parse(first)).to.have.property('dongle');
  });
});
