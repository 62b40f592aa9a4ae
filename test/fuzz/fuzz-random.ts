import { seededRandom } from '../sim/centre/package-builder';

/**
 * The fuzzer's only source of randomness: one seeded generator per case, derived from the
 * campaign seed, the file type and the case number, so any failing case replays alone
 * (EXAMSITE_FUZZ_SEED + the case number printed with the failure).
 */
export class FuzzRandom {
  private readonly next: () => number;

  constructor(seed: number) {
    this.next = seededRandom(seed);
  }

  static forCase(campaignSeed: number, fileType: string, caseNo: number): FuzzRandom {
    let h = campaignSeed >>> 0;
    for (const ch of `${fileType}#${caseNo}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
    return new FuzzRandom(h);
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from nothing');
    return items[this.int(items.length)]!;
  }

  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
}
