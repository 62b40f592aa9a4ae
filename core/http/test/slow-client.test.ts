import { expect } from 'chai';
import net from 'node:net';
import { startTestServer, type TestServer } from '../../testing/test-server';

interface RawOutcome {
  readonly answer: string;
  readonly closedAfterMs: number;
}

/**
 * Opens a raw socket, writes `head` at once and then `drip` one byte every `everyMs` until
 * the server answers or closes (or `giveUpMs` passes).
 */
function trickle(port: number, head: string, drip: string, everyMs: number, giveUpMs: number): Promise<RawOutcome> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1');
    let answer = '';
    let i = 0;
    let timer: NodeJS.Timeout | undefined;
    const finish = (): void => {
      clearInterval(timer);
      clearTimeout(giveUp);
      socket.destroy();
      resolve({ answer, closedAfterMs: Date.now() - started });
    };
    const giveUp = setTimeout(() => {
      clearInterval(timer);
      socket.destroy();
      reject(new Error(`the server still accepted the trickle after ${giveUpMs} ms (answer so far: ${JSON.stringify(answer)})`));
    }, giveUpMs);
    socket.on('connect', () => {
      socket.write(head);
      timer = setInterval(() => {
        if (socket.destroyed || !socket.writable) return;
        socket.write(drip[i % drip.length]!);
        i++;
      }, everyMs);
    });
    socket.on('data', (d) => (answer += d.toString('utf8')));
    socket.on('close', finish);
    socket.on('error', () => undefined);
  });
}

describe('slow clients are cut: a trickling body or header (issue 10 point 4)', function () {
  this.timeout(60_000);
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ config: { requestMinBytesPerSecond: 100, requestRateWindowSeconds: 1, requestHeadersTimeoutSeconds: 2 } });
  });
  after(() => server.stop());

  it('a body sent at 1 byte/s is answered 408 in Chinese and the connection closed', async () => {
    const head = [
      'POST /api/auth/login HTTP/1.1',
      `Host: 127.0.0.1:${server.port}`,
      `Origin: http://127.0.0.1:${server.port}`,
      'Content-Type: application/json',
      'Content-Length: 1000',
      '',
      '',
    ].join('\r\n');
    const r = await trickle(server.port, head, '{"username":"admin"', 1000, 10_000);
    expect(r.answer).to.match(/^HTTP\/1\.1 408 /);
    expect(r.answer).to.contain('REQUEST_TOO_SLOW');
    expect(r.answer).to.contain('请求内容传输过慢');
    expect(r.closedAfterMs).to.be.below(5000);
  });

  it('a chunked body without Content-Length trickling is cut the same way', async () => {
    const head = [
      'POST /api/auth/login HTTP/1.1',
      `Host: 127.0.0.1:${server.port}`,
      `Origin: http://127.0.0.1:${server.port}`,
      'Content-Type: application/json',
      'Transfer-Encoding: chunked',
      '',
      '1',
      '{',
      '',
    ].join('\r\n');
    const r = await trickle(server.port, head, '1\r\n \r\n', 300, 10_000);
    expect(r.answer).to.match(/^HTTP\/1\.1 408 /);
    expect(r.answer).to.contain('REQUEST_TOO_SLOW');
  });

  it('headers sent at 1 byte/s are cut by the headers timeout', async () => {
    const head = `GET /api/public/info HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n`;
    const r = await trickle(server.port, head, 'X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 1000, 15_000);
    expect(r.closedAfterMs).to.be.below(6000);
    expect(r.answer === '' || /^HTTP\/1\.1 408 /.test(r.answer), r.answer).to.equal(true);
  });

  it('a body that keeps a decent rate is not cut, even when slow overall', async () => {
    const body = JSON.stringify({ username: 'admin', password: '888', pad: 'x'.repeat(400) });
    const r = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(server.port, '127.0.0.1');
      let answer = '';
      socket.on('connect', async () => {
        socket.write(
          `POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nOrigin: http://127.0.0.1:${server.port}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`,
        );
        // ~200 bytes/s for about 2.5 s: slow, but above the 100 B/s floor in every window.
        for (let i = 0; i < body.length; i += 20) {
          socket.write(body.slice(i, i + 20));
          await new Promise((r2) => setTimeout(r2, 100));
        }
      });
      socket.on('data', (d) => (answer += d.toString('utf8')));
      socket.on('close', () => resolve(answer));
      socket.on('error', reject);
    });
    expect(r).to.match(/^HTTP\/1\.1 (200|400) /);
    expect(r).not.to.contain('REQUEST_TOO_SLOW');
  });
});
