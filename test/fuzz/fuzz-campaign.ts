import type { Mutator } from './byte-mutators';
import { FuzzRandom } from './fuzz-random';

/** What the product answered to one file. */
export interface ImportAnswer {
  readonly status: number;
  readonly body: unknown;
}

/** One file type of the product, behind its real HTTP import route. */
export interface FuzzTarget {
  readonly fileType: string;
  /** A valid file, written by the centre simulator (or the product's own export). */
  readonly original: Buffer;
  readonly mutators: readonly Mutator[];
  /** The file's meaning, decoded independently of the product; null if it has none. */
  canonical(bytes: Buffer): string | null;
  send(bytes: Buffer): Promise<ImportAnswer>;
  /** Everything an import could change (tables, files), as one comparable string. */
  snapshot(): Promise<string>;
  /** True while the server answers a plain request. */
  alive(): Promise<boolean>;
  /** Back to the starting state after a legitimate (equivalent) file was accepted. */
  reset?(): Promise<void>;
  /**
   * True for an answer that says the file was kept aside, not taken (a result package
   * validly signed by the room's own key but different from the collected one: R8's
   * conflict). Counted as "kept aside", not as a state change.
   */
  keptAside?(answer: ImportAnswer): boolean;
}

export interface FuzzFailure {
  readonly caseNo: number;
  readonly mutator: string;
  readonly kind: 'accepted' | 'server-error' | 'not-chinese' | 'state-change' | 'server-down';
  readonly detail: string;
}

export interface FuzzFigures {
  readonly fileType: string;
  readonly cases: number;
  readonly accepted: number;
  readonly equivalent: number;
  readonly serverErrors: number;
  readonly stateChanges: number;
  readonly serverDown: number;
  readonly keptAside: number;
  readonly timeCapped: boolean;
  readonly byMutator: Record<string, number>;
  readonly failures: readonly FuzzFailure[];
}

export interface CampaignOptions {
  readonly cases: number;
  readonly seed: number;
  /** Stop early (and say so) after this long. */
  readonly timeCapMs: number;
}

/** Cases per type: EXAMSITE_FUZZ_CASES (long mode: 10000), default 500. */
export function campaignOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): CampaignOptions {
  const cases = Number(env.EXAMSITE_FUZZ_CASES ?? 500);
  const long = cases > 500;
  return {
    cases: Number.isInteger(cases) && cases > 0 ? cases : 500,
    seed: Number(env.EXAMSITE_FUZZ_SEED ?? 20261220) >>> 0,
    timeCapMs: Number(env.EXAMSITE_FUZZ_TIME_CAP_MS ?? (long ? 3_600_000 : 40_000)),
  };
}

const HAN = /[\u4e00-\u9fff]/;
/** English prose or a stack trace leaking into a refusal. */
const ENGLISH = /\b(?:at [\w.<>]+ \(|[A-Za-z]+Error\b|Unexpected|undefined|Cannot|[a-z]{3,} [a-z]{3,} [a-z]{3,})/;

/** The refusal message of an error answer (core/http/errors.ts: { error: { code, message } }). */
function refusalMessage(body: unknown): string | null {
  if (typeof body !== 'object' || body === null) return null;
  const error = (body as { error?: unknown }).error;
  if (typeof error !== 'object' || error === null) return null;
  const message = (error as { message?: unknown }).message;
  return typeof message === 'string' ? message : null;
}

/**
 * Feeds `cases` mutants of the target's valid file through its import route. A mutant is
 * "equivalent" when its independent decoding equals the original's (then the product may
 * take it); any other mutant must be refused with a 4xx and a Chinese message, change
 * nothing, and leave the server answering.
 */
export async function runCampaign(target: FuzzTarget, options: CampaignOptions): Promise<FuzzFigures> {
  const originalMeaning = target.canonical(target.original);
  if (originalMeaning === null) throw new Error(`${target.fileType}: the valid file does not decode`);
  let baseline = await target.snapshot();
  const failures: FuzzFailure[] = [];
  const byMutator: Record<string, number> = {};
  const counts = { cases: 0, accepted: 0, equivalent: 0, serverErrors: 0, stateChanges: 0, serverDown: 0, keptAside: 0 };
  const started = Date.now();
  let timeCapped = false;
  for (let caseNo = 0; caseNo < options.cases; caseNo++) {
    if (Date.now() - started > options.timeCapMs) {
      timeCapped = true;
      break;
    }
    const rnd = FuzzRandom.forCase(options.seed, target.fileType, caseNo);
    const mutator = rnd.pick(target.mutators);
    const mutant = mutator.apply(target.original, rnd);
    byMutator[mutator.name] = (byMutator[mutator.name] ?? 0) + 1;
    counts.cases++;
    const equivalent = target.canonical(mutant) === originalMeaning;
    const fail = (kind: FuzzFailure['kind'], detail: string): void => {
      failures.push({ caseNo, mutator: mutator.name, kind, detail: detail.slice(0, 400) });
    };
    let answer: ImportAnswer;
    try {
      answer = await target.send(mutant);
    } catch (e) {
      counts.serverDown++;
      fail('server-down', String(e));
      continue;
    }
    const ok = answer.status >= 200 && answer.status < 300;
    if (equivalent) counts.equivalent++;
    if (answer.status >= 500) {
      counts.serverErrors++;
      fail('server-error', `${answer.status} ${JSON.stringify(answer.body)}`);
    } else if (ok && !equivalent) {
      counts.accepted++;
      fail('accepted', JSON.stringify(answer.body));
    } else if (!ok) {
      const message = refusalMessage(answer.body);
      if (answer.status < 400 || message === null || !HAN.test(message) || ENGLISH.test(message)) {
        counts.serverErrors++;
        fail('not-chinese', `${answer.status} ${JSON.stringify(answer.body)}`);
      }
    }
    const after = await target.snapshot();
    if (after !== baseline) {
      if (equivalent) {
        // The valid file itself was taken (or, as different bytes of the same meaning, kept
        // aside as a conflict of an already collected result): legitimate; start again.
        if (target.reset) await target.reset();
        baseline = await target.snapshot();
      } else if (target.keptAside?.(answer)) {
        counts.keptAside++;
        if (target.reset) await target.reset();
        baseline = await target.snapshot();
      } else {
        counts.stateChanges++;
        fail('state-change', `${answer.status} ${JSON.stringify(answer.body)}; first difference: ${firstDifference(baseline, after)}`);
        if (target.reset) await target.reset();
        baseline = await target.snapshot();
      }
    }
    if (!(await target.alive())) {
      counts.serverDown++;
      fail('server-down', 'no answer after the case');
      break;
    }
  }
  return { fileType: target.fileType, ...counts, timeCapped, byMutator, failures };
}

/** One line per type, the figures issue 15 asks for. */
export function formatFigures(f: FuzzFigures, seed: number): string {
  const cap = f.timeCapped ? ' (time cap reached)' : '';
  return `fuzz ${f.fileType}: cases ${f.cases}${cap}, accepted ${f.accepted}, equivalent ${f.equivalent}, server errors ${f.serverErrors}, state changes ${f.stateChanges}, server down ${f.serverDown}${f.keptAside ? `, kept aside as a conflict ${f.keptAside}` : ''} (seed ${seed})`;
}

/** Where two snapshots part, with a little context on each side. */
function firstDifference(a: string, b: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return `…${a.slice(Math.max(0, i - 80), i + 80)}… became …${b.slice(Math.max(0, i - 80), i + 80)}…`;
}
