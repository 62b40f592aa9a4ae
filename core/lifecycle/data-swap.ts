import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * Replacing the data folder's contents with staged ones (系统恢复) in one step: the staged
 * copy is complete and fsynced beside the current data, then a journal naming what to swap
 * is written by rename (the commit point). The swap itself is a few renames that are
 * repeated at the next start if the process dies in the middle, so the data is the old
 * one (no journal) or the new one (journal, finished at start), never a mix.
 */
export const SWAP_JOURNAL = 'data-swap.json';
export const SWAP_STAGING_DIR = '.swap-staging';
const SWAP_OLD_DIR = '.swap-old';

const journalSchema = z
  .object({
    v: z.literal(1),
    /** Paths relative to the data folder (posix separators), replaced by `<staging>/<path>`. */
    replace: z.array(z.string().min(1).max(400)),
    /** Paths removed without a replacement (a database's -wal / -shm files). */
    remove: z.array(z.string().min(1).max(400)),
  })
  .strict();
export type SwapJournal = z.output<typeof journalSchema>;

export function stagingDir(dataDir: string): string {
  return path.join(dataDir, SWAP_STAGING_DIR);
}

/** Starts a fresh staging folder (a leftover one from a staging that never committed goes). */
export function beginStaging(dataDir: string): string {
  const dir = stagingDir(dataDir);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** The commit point: after this returns, the next start (or applyPendingSwap) installs the staged data. */
export function commitSwap(dataDir: string, journal: SwapJournal): void {
  for (const p of [...journal.replace, ...journal.remove]) inside(dataDir, p);
  for (const p of journal.replace) fsyncTree(path.join(stagingDir(dataDir), p));
  fsyncDir(stagingDir(dataDir));
  const file = path.join(dataDir, SWAP_JOURNAL);
  const tmp = `${file}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeFileSync(fd, JSON.stringify(journalSchema.parse(journal)));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  fsyncDir(dataDir);
}

/**
 * Finishes a committed swap (idempotent), or drops a staging that was never committed.
 * Call while nothing has the data open. Returns true when staged data was installed.
 */
export function applyPendingSwap(dataDir: string, crashPoint: (step: string) => void = () => undefined): boolean {
  const file = path.join(dataDir, SWAP_JOURNAL);
  const staging = stagingDir(dataDir);
  const old = path.join(dataDir, SWAP_OLD_DIR);
  fs.rmSync(`${file}.tmp`, { force: true });
  if (!fs.existsSync(file)) {
    fs.rmSync(staging, { recursive: true, force: true });
    fs.rmSync(old, { recursive: true, force: true });
    return false;
  }
  const journal = journalSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
  for (const rel of journal.remove) moveAside(dataDir, old, rel);
  for (const rel of journal.replace) {
    const staged = path.join(staging, inside(dataDir, rel));
    // Gone from the staging: this one was swapped before a crash.
    if (!fs.existsSync(staged)) continue;
    moveAside(dataDir, old, rel);
    const target = path.join(dataDir, inside(dataDir, rel));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.renameSync(staged, target);
    fsyncDir(path.dirname(target));
    crashPoint(`swapped:${rel}`);
  }
  fs.rmSync(file);
  fsyncDir(dataDir);
  fs.rmSync(staging, { recursive: true, force: true });
  fs.rmSync(old, { recursive: true, force: true });
  return true;
}

function moveAside(dataDir: string, old: string, rel: string): void {
  const current = path.join(dataDir, inside(dataDir, rel));
  if (!fs.existsSync(current)) return;
  const aside = path.join(old, inside(dataDir, rel));
  fs.rmSync(aside, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(aside), { recursive: true });
  fs.renameSync(current, aside);
}

/** `rel` as a relative native path that stays inside the data folder (the journal is read from disk). */
function inside(dataDir: string, rel: string): string {
  const native = rel.split('/').join(path.sep);
  const resolved = path.resolve(dataDir, native);
  const back = path.relative(dataDir, resolved);
  if (back === '' || back.startsWith('..') || path.isAbsolute(back) || rel.includes('\\')) {
    throw new RangeError(`swap path ${rel} is not inside the data folder`);
  }
  return back;
}

function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function fsyncTree(p: string): void {
  const st = fs.statSync(p);
  if (st.isDirectory()) {
    for (const name of fs.readdirSync(p)) fsyncTree(path.join(p, name));
    fsyncDir(p);
    return;
  }
  const fd = fs.openSync(p, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
