import fs from 'node:fs';
import { expect } from 'chai';
import { emptyFigures, formatKillFigures, killOptionsFromEnv, killRun, prepareBaseline, randomForRun, type KillBaseline } from './kill-harness';

/**
 * Issue 15 point 1: SIGKILL of the real product at a seeded random moment of each activity,
 * EXAMSITE_KILL_RUNS runs (10 in CI, ≥100 in `npm run soak`); rerun one campaign with
 * EXAMSITE_KILL_SEED=<the printed seed>.
 */
const options = killOptionsFromEnv();

describe('kill anywhere: SIGKILL at random moments, invariants after each restart (issue 15 point 1)', function () {
  this.timeout(120_000 + options.runs * 30_000);
  let baseline: KillBaseline;
  before(async () => {
    baseline = await prepareBaseline();
  });
  after(() => {
    if (baseline) fs.rmSync(baseline.work, { recursive: true, force: true });
  });

  it(`${options.runs} runs over ${options.activities.length} activities: nothing lost, changed, half-written or reported twice`, async () => {
    const f = emptyFigures();
    // eslint-disable-next-line no-console
    console.log(`      seed ${options.seed}`);
    for (let run = 0; run < options.runs; run++) {
      const rnd = randomForRun(options.seed, run);
      // Every activity in turn (so 10 runs cover all nine), the moment at random.
      const activity = options.activities[run % options.activities.length]!;
      f.runs++;
      f.perActivity[activity] = (f.perActivity[activity] ?? 0) + 1;
      const line = await killRun(baseline, activity, rnd, run, f);
      // eslint-disable-next-line no-console
      if (options.runs <= 20) console.log(`      run ${run} ${activity}: ${line}`);
    }
    // eslint-disable-next-line no-console
    console.log(`      ${formatKillFigures(f, options.seed)}`);
    expect(
      { lost: f.lost, changed: f.changed, halfFiles: f.halfFiles, duplicateReports: f.duplicateReports, resumeFailures: f.resumeFailures, integrityFailures: f.integrityFailures, otherFailures: f.otherFailures },
      f.failures.slice(0, 8).join('\n'),
    ).to.deep.equal({ lost: 0, changed: 0, halfFiles: 0, duplicateReports: 0, resumeFailures: 0, integrityFailures: 0, otherFailures: 0 });
  });
});
