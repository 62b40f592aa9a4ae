import { expect } from 'chai';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { makeTempDir } from '../../core/testing/test-server';
import { DemoStepFailed, DemoSteps } from '../../tools/demo/demo-steps';

const DEMO_MAIN = path.resolve(__dirname, '../../tools/demo/demo.js');

function runDemoProcess(args: readonly string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DEMO_MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
    child.stderr.on('data', (b: Buffer) => (out += b.toString('utf8')));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, out }));
  });
}

/** The JSON summary the demo prints last (everything from the last line that is exactly "{"). */
function lastJson(out: string): { ok: boolean; steps: { title: string; ok: boolean }[]; facts: Record<string, unknown> } {
  const lines = out.split('\n');
  const start = lines.lastIndexOf('{');
  expect(start, `no JSON summary in:\n${out}`).to.be.greaterThan(-1);
  return JSON.parse(lines.slice(start).join('\n')) as ReturnType<typeof lastJson>;
}

describe('npm run demo: the whole exam day through the real product (issue 14 point 1)', function () {
  this.timeout(180_000);

  it('passes every step of the manual with the default 10 rooms, over HTTP and FTP, and prints the Chinese and JSON summary', async () => {
    const work = makeTempDir('demo-');
    try {
      const { code, out } = await runDemoProcess(['--work', work]);
      expect(code, out).to.equal(0);
      const summary = lastJson(out);
      expect(summary.ok).to.equal(true);
      const titles = summary.steps.map((s) => s.title).join(' | ');
      for (const stage of ['载入考务', '机考锁注册与校时', '考试授权', '考场注册', '封场检测', '授权验证', '解密考试内容', '开考', '数据回收', '考后上报 第一步', '考后上报 第二步', '系统备份', '恢复备份', '检查']) {
        expect(titles, stage).to.include(stage);
      }
      expect(summary.facts.rooms).to.equal(10);
      expect(summary.facts.packages).to.equal(10);
      expect(summary.facts.centreUploads).to.equal(10);
      expect(out).to.match(/演示完成：\d+ 个步骤全部通过/);
      // Never ./data or port 9190.
      expect(out).to.not.include(':9190');
      expect(fs.existsSync(path.join(work, 'site', 'examsite.sqlite'))).to.equal(true);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });

  it('refuses bad options with a Chinese message and the usage (exit 2)', async () => {
    const few = await runDemoProcess(['--rooms', '2']);
    expect(few.code).to.equal(2);
    expect(few.out).to.include('考场数应为 4–200 的整数');
    const unknown = await runDemoProcess(['--fast']);
    expect(unknown.code).to.equal(2);
    expect(unknown.out).to.include('用法: npm run demo');
  });

  it('a failing step stops the demo with its name, its reason and the summary so far', async () => {
    const printed: string[] = [];
    const steps = new DemoSteps((l) => printed.push(l));
    await steps.run('第一步', async () => ({ detail: '好' }));
    const failure = await steps.run('第二步', async () => Promise.reject(new Error('监控平台没有应答'))).then(
      () => null,
      (e: unknown) => e,
    );
    expect(failure).to.be.instanceOf(DemoStepFailed);
    const f = failure as DemoStepFailed;
    expect(f.message).to.equal('演示在“第二步”失败：监控平台没有应答');
    expect(f.summary.ok).to.equal(false);
    expect(f.summary.steps.map((s) => s.ok)).to.deep.equal([true, false]);
    expect(printed[1]).to.match(/^✘  2\. 第二步/);
  });
});
