import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { workflow } from '../../plugins/workflow';

/** The TypeScript sources below a folder of the repository (not the compiled dist/). */
function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sources(full);
    return e.name.endsWith('.ts') ? [full] : [];
  });
}

/**
 * Words that are not stages where they stand: the HTTP Authorization header, and the kind of
 * a signed trust document (core/crypto's formats: the time inside an authorization file).
 */
const ALLOWED = [/ctx\.get\('authorization'\)/, /kind: 'authorization', v: 1/];

// dist/test/integration → the repository root.
const repoRoot = path.resolve(__dirname, '../../..');

describe('core names no stage (issue 9, done when)', () => {
  it('no file under core/ names a workflow stage as a string, a route, a plugin folder or a topic', () => {
    const coreDir = path.join(repoRoot, 'core');
    expect(fs.existsSync(coreDir), coreDir).to.equal(true);
    const found: string[] = [];
    for (const file of sources(coreDir)) {
      const text = fs.readFileSync(file, 'utf8');
      for (const stage of workflow) {
        // 'load' "load" `load`, /api/load/, plugins/load, load.something (a topic or endpoint id).
        const patterns = [new RegExp(`['"\`]${stage}['"\`]`), new RegExp(`/api/${stage}\\b`), new RegExp(`plugins/${stage}\\b`), new RegExp(`['"\`]${stage}[.:-][a-z]`)];
        text.split('\n').forEach((line, i) => {
          if (ALLOWED.some((a) => a.test(line))) return;
          if (patterns.some((p) => p.test(line))) found.push(`${path.relative(repoRoot, file)}:${i + 1}: ${line.trim()}`);
        });
      }
    }
    expect(found, found.join('\n')).to.deep.equal([]);
  });
});
