import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { makeTempDir } from '../../testing/test-server';
import { applyPendingSwap, beginStaging, commitSwap, SWAP_JOURNAL } from '../data-swap';

function write(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const name of fs.readdirSync(d)) {
      const p = path.join(d, name);
      if (fs.statSync(p).isDirectory()) walk(p);
      else out[path.relative(dir, p).split(path.sep).join('/')] = fs.readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

describe('data swap journal (系统恢复 swaps the data in one step)', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = makeTempDir('examsite-swap-');
    write(path.join(dataDir, 'examsite.sqlite'), 'old db');
    write(path.join(dataDir, 'examsite.sqlite-wal'), 'old wal');
    write(path.join(dataDir, 'plugins/notes/content/a'), 'old a');
    write(path.join(dataDir, 'soft-dongle.json'), 'dongle');
  });
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  function stageNew(): void {
    const staging = beginStaging(dataDir);
    write(path.join(staging, 'examsite.sqlite'), 'new db');
    write(path.join(staging, 'plugins/notes/content/b'), 'new b');
  }
  const journal = { v: 1 as const, replace: ['examsite.sqlite', 'plugins/notes/content'], remove: ['examsite.sqlite-wal', 'examsite.sqlite-shm'] };
  const NEW = { 'examsite.sqlite': 'new db', 'plugins/notes/content/b': 'new b', 'soft-dongle.json': 'dongle' };
  const OLD = { 'examsite.sqlite': 'old db', 'examsite.sqlite-wal': 'old wal', 'plugins/notes/content/a': 'old a', 'soft-dongle.json': 'dongle' };

  it('a staging that was never committed is dropped: the old data stays', () => {
    stageNew();
    expect(applyPendingSwap(dataDir)).to.equal(false);
    expect(snapshot(dataDir)).to.deep.equal(OLD);
  });

  it('a committed swap installs the new data and removes the stale WAL; the untouched files stay', () => {
    stageNew();
    commitSwap(dataDir, journal);
    expect(applyPendingSwap(dataDir)).to.equal(true);
    expect(snapshot(dataDir)).to.deep.equal(NEW);
  });

  it('a crash after any rename of the swap is finished at the next start: new data, never a mix', () => {
    for (const crashAfter of ['swapped:examsite.sqlite', 'swapped:plugins/notes/content']) {
      fs.rmSync(dataDir, { recursive: true, force: true });
      fs.mkdirSync(dataDir);
      for (const [rel, text] of Object.entries(OLD)) write(path.join(dataDir, rel), text);
      stageNew();
      commitSwap(dataDir, journal);
      expect(() =>
        applyPendingSwap(dataDir, (step) => {
          if (step === crashAfter) throw new Error('killed');
        }),
      ).to.throw('killed');
      expect(fs.existsSync(path.join(dataDir, SWAP_JOURNAL))).to.equal(true);
      expect(applyPendingSwap(dataDir)).to.equal(true);
      expect(snapshot(dataDir), crashAfter).to.deep.equal(NEW);
    }
  });

  it('refuses a journal path that leaves the data folder', () => {
    stageNew();
    expect(() => commitSwap(dataDir, { v: 1, replace: ['../outside'], remove: [] })).to.throw(RangeError);
    expect(fs.existsSync(path.join(dataDir, SWAP_JOURNAL))).to.equal(false);
  });
});
