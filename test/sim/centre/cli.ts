import { simCommands } from './commands';
import { EXIT, SimArgs, UsageError, type SimIo } from './commands/sim-command';

/** `npm run centre-sim -- <command> [--flags]`: the simulated monitoring platform's CLI. */
export function usage(): string {
  const lines = [
    '模拟监控平台 / centre simulator',
    '用法 / usage: npm run centre-sim -- <命令 command> [参数 flags]',
    '',
    ...simCommands.map((c) => `  ${c.name.padEnd(20)} ${c.summary}\n  ${' '.repeat(20)} ${c.usage}`),
    '',
    '退出码 / exit codes: 0 成功 ok, 1 失败 failed, 2 参数错误 usage, 3 功能未接入 unavailable',
  ];
  return lines.join('\n');
}

export async function runCli(argv: readonly string[], io: SimIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    io.out(usage());
    return name ? EXIT.ok : EXIT.usage;
  }
  const command = simCommands.find((c) => c.name === name);
  if (!command) {
    io.err(`未知命令 / unknown command: ${name}\n\n${usage()}`);
    return EXIT.usage;
  }
  try {
    return await command.run(new SimArgs(rest), io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`${e.message}\n用法 / usage: npm run centre-sim -- ${command.name} ${command.usage}`);
      return EXIT.usage;
    }
    io.err(`失败 / failed: ${(e as Error).message}`);
    return EXIT.failed;
  }
}

if (require.main === module) {
  void runCli(process.argv.slice(2), {
    out: (l) => process.stdout.write(`${l}\n`),
    err: (l) => process.stderr.write(`${l}\n`),
  }).then((code) => {
    process.exitCode = code;
  });
}
