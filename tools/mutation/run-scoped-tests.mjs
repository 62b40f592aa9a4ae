// StrykerJS command runner's command (ADR 015). Stryker names the active mutant in
// __STRYKER_ACTIVE_MUTANT__; this runs only the tests that guard the file holding that
// mutant, so a mutant in the zip reader costs two seconds, not the whole scope. Without a
// mutant (Stryker's dry run) every scoped test file runs.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { MUTATION_GROUPS } from './scope.mjs';

const mutant = process.env.__STRYKER_ACTIVE_MUTANT__;

function groupOf(id) {
  // The instrumented file holds a switch on its own mutant ids: stryMutAct_9fa48("<id>").
  const marker = `stryMutAct_9fa48("${id}")`;
  return MUTATION_GROUPS.find((g) => g.files.some((f) => fs.existsSync(f.file) && fs.readFileSync(f.file, 'utf8').includes(marker)));
}

const groups = mutant === undefined ? MUTATION_GROUPS : [groupOf(mutant)];
if (groups[0] === undefined) {
  console.error(`mutant ${mutant} is in no scoped file`);
  process.exit(2);
}
const tests = [...new Set(groups.flatMap((g) => g.tests))];
const mocha = spawnSync(process.execPath, [createRequire(import.meta.url).resolve('mocha/bin/mocha.js'), '--bail', '--reporter', 'dot', ...tests], { stdio: 'inherit' });
process.exit(mocha.status ?? 1);
