// `npm run mutate` (ADR 015): StrykerJS on the trust-critical files in dist/, with the scope
// of tools/mutation/scope.mjs. Needs @stryker-mutator/core 9 on PATH or in node_modules
// (`npm install --no-save @stryker-mutator/core@9`); not part of npm test or CI.
import { spawnSync } from 'node:child_process';
import { mutatePatterns } from './scope.mjs';

// `npm run mutate -- zip clock` mutates only those groups.
const groups = process.argv.slice(2);
const stryker = spawnSync('stryker', ['run', 'stryker.config.json', '--mutate', mutatePatterns('.', groups).join(',')], { stdio: 'inherit', shell: process.platform === 'win32' });
if (stryker.error) {
  console.error('未找到 StrykerJS：请先运行 npm install --no-save @stryker-mutator/core@9（见 README“变异测试”）');
  process.exit(1);
}
process.exit(stryker.status ?? 1);
