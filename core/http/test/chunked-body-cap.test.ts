import { expect } from 'chai';
import http from 'node:http';
import { Readable } from 'node:stream';
import { limitBody } from '../body';
import { AppError } from '../errors';
import { TestClient } from '../../testing/http-client';
import { startTestServer, type TestServer } from '../../testing/test-server';

const MB = 1024 * 1024;

async function drain(stream: AsyncIterable<Buffer>): Promise<number> {
  let n = 0;
  for await (const b of stream) n += b.length;
  return n;
}

function chunkedRequest(body: Readable): Readable & { headers: http.IncomingHttpHeaders; resume(): Readable } {
  return Object.assign(body, { headers: { 'transfer-encoding': 'chunked' } as http.IncomingHttpHeaders });
}

/**
 * Issue 10 point 11: a chunked body has no Content-Length for the early check to refuse, so
 * the streamed count alone must cut it at the cap (413, a Chinese message).
 */
describe('a chunked body without Content-Length over the size cap (issue 10 point 11)', function () {
  this.timeout(30_000);
  let server: TestServer | undefined;
  after(async () => server?.stop());

  it('limitBody: exactly the cap passes, one byte more is refused with 413 BODY_TOO_LARGE', async () => {
    const chunks = (total: number): Readable => Readable.from((function* () {
      for (let left = total; left > 0; left -= 1000) yield Buffer.alloc(Math.min(1000, left), 0x61);
    })());
    expect(await drain(limitBody(chunkedRequest(chunks(10_000)) as unknown as http.IncomingMessage, 10_000))).to.equal(10_000);
    try {
      await drain(limitBody(chunkedRequest(chunks(10_001)) as unknown as http.IncomingMessage, 10_000));
      expect.fail('the body over the cap was accepted');
    } catch (e) {
      expect(e).to.be.instanceOf(AppError);
      expect((e as AppError).status).to.equal(413);
      expect((e as AppError).code).to.equal('BODY_TOO_LARGE');
      expect((e as AppError).message).to.equal('请求内容超过 10 KB 的上限，请检查所选文件是否正确');
    }
  });

  it('over HTTP: a chunked JSON body over the route cap (4 KB for settings) is answered 413 in Chinese, not parsed', async () => {
    server = await startTestServer({ plugins: [] });
    const admin = new TestClient(server.url);
    await admin.login();
    const url = new URL('/api/settings', server.url);
    const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'PUT', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked', authorization: `Bearer ${admin.token}`, origin: server!.url } }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      // Valid JSON of 1 MB in 64 KB chunks, no Content-Length: only the streamed count can refuse it.
      req.write('{"siteCode":"');
      for (let sent = 0; sent < MB + 100; sent += 64 * 1024) req.write('1'.repeat(64 * 1024));
      req.end('"}');
    });
    expect(answer.status, answer.text).to.equal(413);
    const body = JSON.parse(answer.text) as { error: { code: string; message: string } };
    expect(body.error.code).to.equal('BODY_TOO_LARGE');
    expect(body.error.message).to.equal('请求内容超过 4 KB 的上限，请检查所选文件是否正确');
  });
});
