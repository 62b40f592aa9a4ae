import { BenchFigures, type BenchReport } from './bench-report';

/**
 * `npm run bench` (every bench with its defaults, then one table) or `npm run bench -- <name>`
 * (one bench). A bench is a measurement, not a test. Each bench is
 * one file exporting `run(args)`; adding a bench = one file + one entry in `benches`.
 */
export interface Bench {
  readonly summary: string;
  /** Prints its own lines and hands each target's figure to `report` (the table of `npm run bench`). */
  run(args: readonly string[], report: BenchReport): Promise<void>;
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
  const figures = new BenchFigures();
  if (name === undefined || name.startsWith('-')) {
    // No name: every bench with its defaults, then one table.
    for (const [id, load] of Object.entries(benches)) {
      const bench = await load();
      process.stdout.write(`\n# ${id}: ${bench.summary}\n`);
      try {
        await bench.run([], figures.reportFor(id));
      } catch (e) {
        process.stdout.write(`${id} failed: ${e instanceof Error ? e.message : String(e)}\n`);
        figures.failed(id, e instanceof Error ? e.message : String(e));
      }
    }
    process.stdout.write(`\n# every benchmark (SPEC §4)\n${figures.table()}\n`);
    return figures.all.every((f) => f.pass) ? 0 : 1;
  }
  if (!(name in benches)) {
    process.stderr.write(`用法 / usage: npm run bench [-- <${known}>]\n`);
    return 2;
  }
  const bench = await benches[name]!();
  process.stdout.write(`# ${name}: ${bench.summary}\n`);
  await bench.run(rest, figures.reportFor(name));
  process.stdout.write(`\n${figures.table()}\n`);
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
