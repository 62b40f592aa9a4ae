import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { repeatedSentences } from './repeated-sentences';

const ROOT = path.resolve(__dirname, '../../..');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'test' || e.name === 'node_modules' ? [] : sources(p);
    return /\.(ts|vue)$/.test(e.name) ? [p] : [];
  });
}

/** Quoted or template string literals, also over several lines (template literals). */
function literals(text: string): { text: string; line: number }[] {
  return [...text.matchAll(/'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`|"(?:[^"\\\n]|\\.)*"/g)].map((m) => ({
    text: m[0],
    line: text.slice(0, m.index).split('\n').length,
  }));
}

describe('no sentence said twice in one message (issue 10 point 8)', () => {
  it('finds a repeated sentence (the scan itself)', () => {
    expect(repeatedSentences('尚未载入考务数据，请先完成第 1 步。尚未载入考务数据，请先完成第 1 步')).to.deep.equal(['尚未载入考务数据，请先完成第 1 步']);
    expect(repeatedSentences('第 ${n} 场次尚未授权；请先完成考试授权')).to.deep.equal([]);
  });

  it('server and UI texts say each sentence once', () => {
    const files = ['core', 'plugins', 'web/src'].flatMap((d) => sources(path.join(ROOT, d)));
    expect(files.length).to.be.greaterThan(100);
    const found: string[] = [];
    for (const file of files) {
      for (const lit of literals(fs.readFileSync(file, 'utf8'))) {
        for (const s of repeatedSentences(lit.text)) found.push(`${path.relative(ROOT, file)}:${lit.line}: “${s}” in ${lit.text.slice(0, 120)}`);
      }
    }
    expect(found, found.join('\n')).to.deep.equal([]);
  });
});
