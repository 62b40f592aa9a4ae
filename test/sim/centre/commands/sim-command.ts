/** One CLI command of the centre simulator. Adding a command = one file + one entry in ./index.ts. */
export interface SimCommand {
  readonly name: string;
  /** One line, Chinese / English. */
  readonly summary: string;
  /** Flags, e.g. '--data <dir> --dongle <id> --out <file>'. */
  readonly usage: string;
  run(args: SimArgs, io: SimIo): Promise<number>;
}

export interface SimIo {
  out(line: string): void;
  err(line: string): void;
}

/** Exit codes of every command. */
export const EXIT = { ok: 0, failed: 1, usage: 2, unavailable: 3 } as const;

export class UsageError extends Error {}

/** `--name value` and `--flag` arguments. */
export class SimArgs {
  private readonly flags = new Map<string, string | true>();

  constructor(argv: readonly string[]) {
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i] as string;
      if (!a.startsWith('--')) throw new UsageError(`无法识别的参数 / unexpected argument: ${a}`);
      const eq = a.indexOf('=');
      if (eq > 0) {
        this.flags.set(a.slice(2, eq), a.slice(eq + 1));
        continue;
      }
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('--')) {
        this.flags.set(a.slice(2), next);
        i++;
      } else {
        this.flags.set(a.slice(2), true);
      }
    }
  }

  optional(name: string): string | undefined {
    const v = this.flags.get(name);
    if (v === true) throw new UsageError(`参数 --${name} 需要一个值 / --${name} needs a value`);
    return v;
  }

  required(name: string): string {
    const v = this.optional(name);
    if (v === undefined || v === '') throw new UsageError(`缺少参数 --${name} / missing --${name}`);
    return v;
  }

  int(name: string, fallback: number): number {
    const v = this.optional(name);
    if (v === undefined) return fallback;
    if (!/^\d+$/.test(v)) throw new UsageError(`参数 --${name} 应为整数 / --${name} must be an integer`);
    return Number(v);
  }

  has(name: string): boolean {
    return this.flags.has(name);
  }
}
