import { expect } from 'chai';
import { publicGuard } from '../../auth/admin-auth';
import { definePlugin } from '../../kernel/plugin';
import { coreServices } from '../../services';
import { TestClient } from '../../testing/http-client';
import { startTestServer, type TestServer } from '../../testing/test-server';
import type { ErrorBody } from '../errors';

/** Routes that fail in the ways library code and careless handlers fail. */
/** These routes only fail; the document still needs an answer for each. */
const NEVER_ANSWERS = [{ status: 200, description: '（只会失败）' }];

const failingPlugin = definePlugin({
  manifest: { id: 'failing', version: '1.0.0', host: '^0.1.0', displayName: 'failing' },
  register(env) {
    env.registerInit({
      deps: { http: coreServices.http },
      init({ http }) {
        const route = (path: string, fail: () => never): void =>
          http.route({ method: 'get', path, operationId: `fail${path.replace(/[^a-z]/gi, '')}`, summary: path, guard: publicGuard, response: null, rawResponses: NEVER_ANSWERS, handler: () => fail() });
        route('/string', () => {
          throw 'a thrown string with internals /srv/app.js';
        });
        route('/null', () => {
          throw null;
        });
        route('/type-error', () => {
          throw new TypeError("Cannot read properties of undefined (reading 'x')");
        });
        http.route({
          method: 'get',
          path: '/koa-throw',
          operationId: 'failKoaThrow',
          summary: 'ctx.throw',
          guard: publicGuard,
          response: null,
          rawResponses: NEVER_ANSWERS,
          errors: { 403: { description: 'ctx.throw(403)', codes: ['HTTP_403'] } },
          handler: ({ koa }) => koa.throw(403, 'Forbidden: internal English detail'),
        });
      },
    });
  },
});

/** No English, no stack, no file paths: only our Chinese message and a code. */
function expectNoInternals(body: ErrorBody): void {
  const text = JSON.stringify(body);
  expect(text).not.to.match(/\bat .*\.(js|ts)|\/srv\/|TypeError|Cannot read|Forbidden|internal English|Method Not Allowed|Not Implemented/);
  expect(body.error.message).to.match(/[\u4e00-\u9fa5]/);
}

describe('HTTP error mapping (SPEC §3: the UI never shows a stack trace)', function () {
  this.timeout(30000);
  let server: TestServer;
  let client: TestClient;

  before(async () => {
    server = await startTestServer({ plugins: [failingPlugin] });
    client = new TestClient(server.url);
    await client.login();
  });
  after(async () => server.stop());

  it('a thrown non-Error (string, null) or a TypeError is a Chinese 500 with a request id, nothing more', async () => {
    for (const path of ['/api/failing/string', '/api/failing/null', '/api/failing/type-error']) {
      const r = await client.get<ErrorBody>(path);
      expect(r.status, path).to.equal(500);
      expect(r.body.error.code).to.equal('INTERNAL_ERROR');
      expect(r.body.error.requestId).to.be.a('string');
      expect(r.body.error.message).to.contain(r.body.error.requestId!);
      expectNoInternals(r.body);
    }
  });

  it('an http-errors 4xx (ctx.throw) keeps its status but not its English message', async () => {
    const r = await client.get<ErrorBody>('/api/failing/koa-throw');
    expect(r.status).to.equal(403);
    expectNoInternals(r.body);
  });

  it('404: an unknown /api path is JSON in Chinese', async () => {
    const r = await client.get<ErrorBody>('/api/no-such-thing');
    expect(r.status).to.equal(404);
    expect(r.body.error.code).to.equal('NOT_FOUND');
    expectNoInternals(r.body);
  });

  it('405: a known path with the wrong method is JSON in Chinese and keeps the Allow header', async () => {
    const r = await client.delete<ErrorBody>('/api/settings');
    expect(r.status).to.equal(405);
    expect(r.body.error.code).to.equal('METHOD_NOT_ALLOWED');
    expect(r.headers.get('allow')).to.contain('PUT');
    expectNoInternals(r.body);
  });

  it('501: an unknown HTTP method is JSON in Chinese', async () => {
    const r = await client.request<ErrorBody>('PROPFIND', '/api/settings');
    expect(r.status).to.equal(501);
    expect(r.body.error.code).to.equal('METHOD_NOT_IMPLEMENTED');
    expectNoInternals(r.body);
  });

  it('413: a JSON body over the limit; 415: a body of the wrong content type', async () => {
    const big = await client.request<ErrorBody>('PUT', '/api/settings', Buffer.alloc(10_000, 32), { 'content-type': 'application/json' });
    expect(big.status).to.equal(413);
    expect(big.body.error.code).to.equal('BODY_TOO_LARGE');
    expectNoInternals(big.body);
    const form = await client.request<ErrorBody>('PUT', '/api/settings', Buffer.from('siteCode=11003'), {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(form.status).to.equal(415);
    expect(form.body.error.code).to.equal('UNSUPPORTED_MEDIA_TYPE');
    expect(form.body.error.message).to.contain('application/json');
    const raw = await client.request<ErrorBody>('POST', '/api/clock/import', Buffer.from('x'), { 'content-type': 'text/plain' });
    expect(raw.status).to.equal(415);
    expect(raw.body.error.message).to.contain('text/plain');
    // Nothing was stored by any of these.
    expect((await client.get<{ siteCode: string | null }>('/api/settings')).body.siteCode).to.equal(null);
  });
});
