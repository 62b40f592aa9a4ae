#!/usr/bin/env node
// `npm run demo [-- --rooms 10 --keep]`: the whole exam day through the real product (issue 14).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runDemo } from './demo-flow';
import { DemoStepFailed, type DemoSummary } from './demo-steps';

const USAGE = [
  '用法: npm run demo -- [选项]',
  '  --rooms <数量>     模拟的考场（监考机）数，默认 10（至少 4：FTP、续传、手动回收各用一个）',
  '  --answer-bytes <字节>  每位考生每科的答案大小，默认 4096',
  '  --keep            演示结束后保持考点运行，便于在浏览器中查看',
  '  --work <目录>      工作目录（默认新建临时目录；不会使用 ./data 或 9190 端口）',
].join('\n');

export async function demoMain(argv: readonly string[], print: (line: string) => void): Promise<number> {
  let values: { rooms?: string; 'answer-bytes'?: string; keep?: boolean; work?: string; help?: boolean };
  try {
    values = parseArgs({ args: [...argv], options: { rooms: { type: 'string' }, 'answer-bytes': { type: 'string' }, keep: { type: 'boolean' }, work: { type: 'string' }, help: { type: 'boolean' } }, strict: true }).values;
  } catch (e) {
    print(`参数错误：${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    print(USAGE);
    return 0;
  }
  const rooms = Number(values.rooms ?? 10);
  const answerBytes = Number(values['answer-bytes'] ?? 4096);
  if (!Number.isInteger(rooms) || rooms < 4 || rooms > 200) {
    print(`考场数应为 4–200 的整数（收到 ${values.rooms}）\n${USAGE}`);
    return 2;
  }
  if (!Number.isInteger(answerBytes) || answerBytes < 1 || answerBytes > 64 * 1024 * 1024) {
    print(`答案大小应为 1–67108864 的整数（收到 ${values['answer-bytes']}）\n${USAGE}`);
    return 2;
  }
  const workDir = values.work ? path.resolve(values.work) : fs.mkdtempSync(path.join(os.tmpdir(), 'examsite-demo-'));
  print(`考点管理系统演示：${rooms} 个考场，工作目录 ${workDir}`);
  let summary: DemoSummary;
  try {
    summary = await runDemo({ rooms, answerBytes, keep: values.keep === true, workDir, print });
  } catch (e) {
    if (e instanceof DemoStepFailed) {
      print(`演示失败：${e.message}`);
      print(JSON.stringify(e.summary, null, 2));
    } else {
      print(`演示失败：${e instanceof Error ? e.message : String(e)}`);
    }
    return 1;
  }
  print('');
  print(`演示完成：${summary.steps.length} 个步骤全部通过，用时 ${(summary.totalMs / 1000).toFixed(1)} 秒。`);
  print(`考场 ${String(summary.facts.rooms)} 个，结果包 ${String(summary.facts.packages)} 个（${String(summary.facts.bytes)} 字节），监控平台收到报告 ${String(summary.facts.centreReports)} 份、文件 ${String(summary.facts.centreUploads)} 个。`);
  if (summary.facts.siteUrl) print(`考点仍在运行：${String(summary.facts.siteUrl)}（用户名 admin，密码 888）；按 Ctrl+C 结束。`);
  print(JSON.stringify(summary, null, 2));
  if (!values.keep && !values.work) fs.rmSync(workDir, { recursive: true, force: true });
  return 0;
}

if (require.main === module) {
  void demoMain(process.argv.slice(2), (l) => console.log(l)).then((code) => {
    process.exitCode = code;
  });
}
