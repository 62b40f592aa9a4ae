import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { expect } from 'chai';
import { freePort } from '../../core/testing/free-port';
import { makeTempDir } from '../../core/testing/test-server';
import { PRODUCT_MAIN, ProductProcess } from './product-process';

/** The real `npm start` entry, on a pipe and on a terminal (issue 10 point 9). */
describe('the console at npm start: JSON when piped, a Chinese banner and readable lines on a terminal', function () {
  this.timeout(60000);
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it('piped: every line is JSON, and the ready line carries the banner facts as fields', async () => {
    const dataDir = makeTempDir('examsite-console-');
    dirs.push(dataDir);
    const p = await ProductProcess.start({ dataDir });
    try {
      const ready = p.lines.find((l) => l.msg.startsWith('考点管理系统已启动'))!;
      expect(ready.ready).to.deep.include({ uiUrl: p.url, dataDir, mode: 'mock', siteCode: null });
      expect((ready.ready as { lanUrl: string }).lanUrl).to.match(/^http:\/\/.+:\d+$/);
      // No banner on a pipe: a log reader gets JSON lines only.
      expect(p.lines.filter((l) => typeof l.time !== 'string').map((l) => l.msg)).to.deep.equal([]);
    } finally {
      await p.stop();
    }
  });

  it('on a terminal (a pseudo-TTY through script(1)): the banner, and pretty lines in China time instead of JSON', async () => {
    const dataDir = makeTempDir('examsite-console-');
    dirs.push(dataDir);
    const port = await freePort();
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', EXAMSITE_DATA: dataDir, EXAMSITE_HOST: '127.0.0.1', EXAMSITE_PORT: String(port), EXAMSITE_COLLECTION_FTP_PORT: '0', EXAMSITE_DONGLE: 'soft', TERM: 'dumb' };
    const child = spawn('script', ['-qec', `${process.execPath} ${PRODUCT_MAIN}`, '/dev/null'], { env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`没有出现启动横幅：${out.slice(-500)}`)), 40000);
        const poll = setInterval(() => {
          if (out.includes('按 Ctrl+C 安全退出')) {
            clearTimeout(timer);
            clearInterval(poll);
            resolve();
          }
        }, 100);
      });
      expect(out).to.contain('考点管理系统已启动');
      expect(out).to.contain(`管理界面`).and.contain(`http://127.0.0.1:${port}`);
      expect(out).to.contain('监考机连接地址').and.contain('数据目录').and.contain(dataDir);
      expect(out).to.not.contain('"level":');
      expect(out).to.match(/\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\]/);
    } finally {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
});
