import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';

// dist/test/integration → the repository root.
const repoRoot = path.resolve(__dirname, '../../..');

/** The TypeScript sources below a folder (not the compiled dist/). */
function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sources(full);
    return e.name.endsWith('.ts') ? [full] : [];
  });
}

/** What starts a whole site, a real port or a process from a plugin's own tests. */
const WHOLE_SITE: readonly { readonly pattern: RegExp; readonly what: string }[] = [
  { pattern: /\bstartTestServer\b/, what: 'startTestServer (a whole site on a real port)' },
  { pattern: /\bserverPerTest\b/, what: 'serverPerTest (a whole site per test)' },
  { pattern: /\.listen\(/, what: 'a real listen()' },
  { pattern: /from '[./]*test\/integration\//, what: 'a whole-site harness of test/integration' },
  { pattern: /from 'node:child_process'/, what: 'a real process' },
];

/**
 * Issue 9 point 9: a plugin's tests run in process on startTestKernel (the plugin alone,
 * fakes for other plugins' services); tests that need the whole site, real ports, FTP
 * sockets or processes live in test/integration/<stage>/. Enforced here, not remembered.
 */
describe('plugin tests run in process; whole-site tests live in test/integration (issue 9 point 9)', () => {
  it('no file under plugins/*/test starts a whole site, listens on a port or starts a process', () => {
    const pluginsDir = path.join(repoRoot, 'plugins');
    expect(fs.existsSync(pluginsDir), pluginsDir).to.equal(true);
    const testDirs = fs
      .readdirSync(pluginsDir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && fs.existsSync(path.join(pluginsDir, e.name, 'test')))
      .map((e) => path.join(pluginsDir, e.name, 'test'));
    expect(testDirs.length, 'plugin test folders').to.be.greaterThan(0);
    const found: string[] = [];
    for (const file of testDirs.flatMap(sources)) {
      const lines = fs.readFileSync(file, 'utf8').split('\n');
      lines.forEach((line, i) => {
        for (const rule of WHOLE_SITE) {
          if (rule.pattern.test(line)) found.push(`${path.relative(repoRoot, file)}:${i + 1} ${rule.what}`);
        }
      });
    }
    expect(found, `move these tests to test/integration/<stage>/ or onto startTestKernel (docs/plugin-guide.md):\n${found.join('\n')}`).to.deep.equal([]);
  });
});
