// The trust-critical code StrykerJS mutates (ADR 015) and the test files that guard each part.
// Stryker mutates the compiled JavaScript in dist/ (no TypeScript build per mutant); a part of
// a large file is named by its methods, whose line ranges are read from dist at run time.
import fs from 'node:fs';

/** @typedef {{ file: string, methods?: string[] }} MutatedFile */
/** @type {{ name: string, files: MutatedFile[], tests: string[] }[]} */
export const MUTATION_GROUPS = [
  {
    name: 'zip',
    files: [{ file: 'dist/core/zip/entry-name.js' }, { file: 'dist/core/zip/streaming-zip-reader.js' }],
    tests: ['dist/core/zip/test/streaming-zip-reader.test.js'],
  },
  {
    name: 'crypto',
    files: ['encoding', 'hash', 'seal', 'signing', 'wrap'].map((f) => ({ file: `dist/core/crypto/${f}.js` })),
    tests: ['dist/core/crypto/test/crypto.test.js'],
  },
  {
    name: 'auth',
    files: [{ file: 'dist/core/auth/password.js' }, { file: 'dist/core/auth/audit-chain.js' }],
    tests: ['dist/core/auth/test/password.test.js', 'dist/core/auth/test/audit-chain.test.js'],
  },
  {
    name: 'clock',
    files: [{ file: 'dist/core/clock/time-token.js' }, { file: 'dist/core/clock/trusted-clock.js' }],
    tests: ['dist/core/clock/test/clock.test.js', 'dist/core/clock/test/clock-cache.test.js', 'dist/core/clock/test/production-monotonic.test.js'],
  },
  {
    name: 'load',
    files: [{ file: 'dist/plugins/load/server/package/package-verifier.js' }, { file: 'dist/plugins/load/server/package/package-zip.js' }],
    tests: ['dist/plugins/load/test/package-refusal.test.js'],
  },
  {
    name: 'authorization',
    files: [
      {
        file: 'dist/plugins/authorization/server/authorization-service.js',
        methods: ['doImport', 'isSameAuthorization', 'doVerify', 'checkVerificationWindow', 'checkNotExpired', 'sameTerms', 'checkWindowMatchesSession'],
      },
    ],
    tests: ['dist/test/integration/authorization/authorization-verification.test.js', 'dist/test/integration/authorization/verification-window-edges.test.js', 'dist/test/integration/authorization/authorization-import.test.js'],
  },
];

/**
 * Line range of a class method or function in a compiled file: from its header to the line
 * before the next header at the same or a lower indentation.
 */
function methodRange(lines, method) {
  const header = new RegExp(`^(\\s*)(?:async\\s+)?(?:function\\s+)?${method}\\(.*\\)\\s*\\{\\s*$`);
  const start = lines.findIndex((l) => header.test(l));
  if (start < 0) throw new Error(`mutation scope: ${method} not found`);
  const indent = header.exec(lines[start])[1].length;
  let end = start + 1;
  while (end < lines.length && !(lines[end].length - lines[end].trimStart().length <= indent && /^\s*\}\s*$/.test(lines[end]))) end++;
  return `${start + 1}-${end + 1}`;
}

/** Stryker `mutate` patterns: whole files, or `file:from-to` per method. */
export function mutatePatterns(root = '.', groupNames = []) {
  const patterns = [];
  const unknown = groupNames.filter((n) => !MUTATION_GROUPS.some((g) => g.name === n));
  if (unknown.length > 0) throw new Error(`mutation scope: no group ${unknown.join(', ')}`);
  for (const g of MUTATION_GROUPS.filter((x) => groupNames.length === 0 || groupNames.includes(x.name))) {
    for (const f of g.files) {
      if (!f.methods) {
        patterns.push(f.file);
        continue;
      }
      const lines = fs.readFileSync(`${root}/${f.file}`, 'utf8').split('\n');
      for (const m of f.methods) patterns.push(`${f.file}:${methodRange(lines, m)}`);
    }
  }
  return patterns;
}
