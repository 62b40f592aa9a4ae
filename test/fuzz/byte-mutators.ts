import type { FuzzRandom } from './fuzz-random';

/** A named way of breaking a file; `apply` never changes its input. */
export interface Mutator {
  readonly name: string;
  apply(original: Buffer, rnd: FuzzRandom): Buffer;
}

export const bitFlips: Mutator = {
  name: 'bit-flips',
  apply(original, rnd) {
    const out = Buffer.from(original);
    const flips = 1 + rnd.int(8);
    for (let i = 0; i < flips; i++) {
      const at = rnd.int(out.length);
      out[at] = out[at]! ^ (1 << rnd.int(8));
    }
    return out;
  },
};

export const truncation: Mutator = {
  name: 'truncation',
  apply: (original, rnd) => original.subarray(0, rnd.int(original.length)),
};

const WHITESPACE = [' ', '\n', '\r\n', '\t'];

export const appendedBytes: Mutator = {
  name: 'appended-bytes',
  apply(original, rnd) {
    const tail = rnd.chance(0.25) ? Buffer.from(rnd.pick(WHITESPACE)) : rnd.chance(0.5) ? rnd.bytes(1 + rnd.int(64)) : original.subarray(0, rnd.int(original.length));
    return Buffer.concat([original, tail]);
  },
};

/** Overwrites a run of bytes with random ones (a damaged sector, a bad copy). */
export const overwrittenRun: Mutator = {
  name: 'overwritten-run',
  apply(original, rnd) {
    const out = Buffer.from(original);
    const len = 1 + rnd.int(Math.min(64, out.length));
    rnd.bytes(len).copy(out, rnd.int(Math.max(1, out.length - len)));
    return out;
  },
};

export const byteMutators: readonly Mutator[] = [bitFlips, truncation, appendedBytes, overwrittenRun];
