// Runs the proctor CLI in process and collects what it prints (CLI tests).
import { runProctorCli } from './cli';

export async function runCli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runProctorCli(argv, (s) => (out += `${s}\n`), (s) => (err += `${s}\n`));
  return { code, out, err };
}
