import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';

const ROOT = path.resolve(__dirname, '../../..');
// Setting names of core/config/config.ts and the plugins' sections: a person is told what to do and where, not a key.
const SETTING_NAMES = /EXAMSITE_[A-Z_]+|\b(centreUrl|centreKeys|dataDir|publicHost|adminAllowFrom|databaseUrl|vendorPluginDir|labAllowSoftDongleFormal|ftpPort|ftpPassivePorts)\b/;
const CHINESE = /[\u4e00-\u9fff]/;

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'test' || e.name === 'node_modules' ? [] : sources(p);
    return /\.(ts|vue)$/.test(e.name) ? [p] : [];
  });
}

/** Quoted or template string literals on one line. */
function literals(line: string): string[] {
  return [...line.matchAll(/'([^'\\]|\\.)*'|`([^`\\]|\\.)*`|"([^"\\]|\\.)*"/g)].map((m) => m[0]);
}

describe('no setting or environment variable name inside a Chinese message (issue 10 point 8)', () => {
  it('server and UI messages say what to do and where, never a configuration key', () => {
    // The configuration's own refusals at start and the site doctor are for the technician who edits the settings.
    const skip = [path.join('core', 'config'), path.join('core', 'testing')];
    const files = ['core', 'plugins', 'web/src']
      .flatMap((d) => sources(path.join(ROOT, d)))
      .filter((f) => !skip.some((s) => f.includes(`${path.sep}${s}${path.sep}`)) && !f.endsWith('doctor-checks.ts'));
    expect(files.length).to.be.greaterThan(100);
    const found: string[] = [];
    for (const file of files) {
      fs.readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (/^\s*(\/\/|\*|\/\*)/.test(line)) return;
          // `${ftp.ftpPort}` shows a value, not the setting's name.
          for (const lit of literals(line).map((l) => l.replace(/\$\{[^}]*\}/g, '…'))) if (CHINESE.test(lit) && SETTING_NAMES.test(lit)) found.push(`${path.relative(ROOT, file)}:${i + 1}: ${lit.slice(0, 120)}`);
        });
    }
    expect(found, found.join('\n')).to.deep.equal([]);
  });
});
