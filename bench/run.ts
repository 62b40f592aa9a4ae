/**
 * `npm run bench -- <name>`: runs one benchmark (a measurement, not a test). Each bench is
 * one file exporting `run(args)`; adding a bench = one file + one entry in `benches`.
 */
export interface Bench {
  readonly summary: string;
  run(args: readonly string[]): Promise<void>;
}

const benches: Record<string, () => Promise<Bench>> = {
  backup: async () => (await import('./backup')).backupBench,
  load: async () => (await import('./load')).loadBench,
  startup: async () => (await import('./startup')).startupBench,
  testkernel: async () => (await import('./test-kernel')).testKernelBench,
  upload: async () => (await import('./upload')).uploadBench,
  report: async () => (await import('./report')).reportBench,
  lan: async () => (await import('./lan')).lanBench,
};

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  const known = Object.keys(benches).join(', ');
  if (!name || !(name in benches)) {
    process.stderr.write(`用法 / usage: npm run bench -- <${known}>\n`);
    return 2;
  }
  const bench = await benches[name]!();
  process.stdout.write(`# ${name}: ${bench.summary}\n`);
  await bench.run(rest);
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
