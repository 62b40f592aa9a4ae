#!/usr/bin/env node
// Reference proctor client, command line: `npm run proctor -- <command> [options]`.
// Commands come from the table in commands.ts.
import { parseArgs } from 'node:util';
import { credentialsFileFrom, proctorCommands, registeredClientFrom, type ProctorCommand } from './commands';
import { ProctorApiError } from './proctor-client';

const GLOBAL_OPTIONS = {
  credentials: { type: 'string', description: '凭证文件（默认 ./proctor-credentials.json 或环境变量 PROCTOR_CREDENTIALS）' },
  json: { type: 'boolean', description: '以 JSON 输出结果' },
  help: { type: 'boolean', description: '显示帮助' },
} as const;

function usage(command?: ProctorCommand): string {
  const fmt = (opts: Record<string, { type: string; description: string; required?: boolean }>): string[] =>
    Object.entries(opts).map(([k, o]) => `  --${k}${o.type === 'string' ? ' <值>' : ''}${o.required ? '（必填）' : ''}  ${o.description}`);
  if (command) return [`用法: npm run proctor -- ${command.name} [选项]`, command.summary, ...fmt(command.options), ...fmt(GLOBAL_OPTIONS)].join('\n');
  return [
    '用法: npm run proctor -- <命令> [选项]',
    '命令:',
    ...proctorCommands.map((c) => `  ${c.name.padEnd(12)}${c.summary}`),
    '通用选项:',
    ...fmt(GLOBAL_OPTIONS),
  ].join('\n');
}

export async function runProctorCli(argv: readonly string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === 'help') {
    out(usage());
    return name ? 0 : 2;
  }
  const command = proctorCommands.find((c) => c.name === name);
  if (!command) {
    err(`未知命令 ${name}\n${usage()}`);
    return 2;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: [...rest], options: { ...GLOBAL_OPTIONS, ...command.options }, allowPositionals: true, strict: true });
  } catch (e) {
    err(`${(e as Error).message}\n${usage(command)}`);
    return 2;
  }
  const options = parsed.values as Record<string, string | boolean | undefined>;
  if (options.help) {
    out(usage(command));
    return 0;
  }
  const missing = Object.entries(command.options).filter(([k, o]) => o.required && !options[k]).map(([k]) => `--${k}`);
  if (missing.length) {
    err(`缺少选项 ${missing.join('、')}\n${usage(command)}`);
    return 2;
  }
  const credentialsFile = credentialsFileFrom(options.credentials);
  try {
    const result = await command.run({
      options,
      positionals: parsed.positionals,
      credentialsFile,
      progress: options.json ? () => undefined : out,
      registeredClient: () => registeredClientFrom(credentialsFile),
    });
    out(options.json ? JSON.stringify(result.data, null, 2) : result.text);
    return 0;
  } catch (e) {
    if (e instanceof ProctorApiError) {
      const retry = e.retryAfterSeconds ? `（${e.retryAfterSeconds} 秒后可重试）` : '';
      err(options.json ? JSON.stringify({ error: { status: e.status, code: e.code, message: e.message } }) : `失败：${e.message}${retry}`);
      return 1;
    }
    err(`失败：${(e as Error).message}`);
    return 1;
  }
}

if (require.main === module) {
  void runProctorCli(process.argv.slice(2), (s) => console.log(s), (s) => console.error(s)).then((code) => {
    process.exitCode = code;
  });
}
