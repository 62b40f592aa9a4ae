import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

export interface GuessLimits {
  /** Wrong codes allowed for one room from one address within `windowSeconds`. */
  readonly perRoomAddress: number;
  /** Wrong codes allowed from one address within `windowSeconds` (any room). */
  readonly perAddress: number;
  readonly windowSeconds: number;
  readonly lockSeconds: number;
}

export const DEFAULT_GUESS_LIMITS: GuessLimits = { perRoomAddress: 5, perAddress: 10, windowSeconds: 10 * 60, lockSeconds: 10 * 60 };

/** What is locked: one address for one room, or one address for every room. Never a room for everyone. */
export type GuessLockScope = 'room-address' | 'address';

export interface GuessLock {
  readonly scope: GuessLockScope;
  readonly retryAfterSeconds: number;
}

/** A lock as the administrator sees it in 考场注册. */
export interface GuessLockView {
  readonly scope: GuessLockScope;
  readonly ip: string;
  /** The room for 'room-address' locks; null for 'address'. */
  readonly roomCode: string | null;
  readonly lockedAt: string;
  readonly until: string;
}

/** One point of the pair's and of the address's allowance, taken before the comparison. */
export interface GuessTicket {
  readonly roomCode: string;
  readonly ip: string;
  /** Points left after this one (room from this address / address). */
  readonly pairLeft: number;
  readonly addressLeft: number;
}

export interface GuessOutcome {
  /** Set when this failure used up the allowance (the next attempt is refused). */
  readonly lock: GuessLock | null;
  /** Attempts left before the stricter of the two locks. */
  readonly remaining: number;
}

/**
 * Slows down registration-code guessing (R3.4) without letting a third party lock a room
 * against its real proctor (issue 10 point 2): wrong codes count per address, for one room
 * and over all rooms. A candidate PC that guesses locks only itself; the proctor PC of the
 * room, from its own address, still registers. With 8 characters of a 32-character alphabet
 * (~40 bits), a LAN of a few hundred addresses gets nowhere near a code within a day.
 *
 * A point is taken *before* the code is compared (`take`) and given back when the code was
 * right or never compared (`succeeded`, `refund`). Checking first and counting after would
 * let parallel guesses all pass the check while the comparisons are in flight; taking
 * first means at most the allowance is ever compared.
 */
export class GuessThrottle {
  private readonly pairs: RateLimiterMemory;
  private readonly addresses: RateLimiterMemory;
  /** The locks in force, by limiter key, so the administrator can see and clear them. */
  private readonly locks = new Map<string, GuessLockView>();

  constructor(private readonly limits: GuessLimits = DEFAULT_GUESS_LIMITS) {
    this.pairs = new RateLimiterMemory({ keyPrefix: 'room-address', points: limits.perRoomAddress, duration: limits.windowSeconds });
    this.addresses = new RateLimiterMemory({ keyPrefix: 'address', points: limits.perAddress, duration: limits.windowSeconds });
  }

  /** Takes a point for this attempt, or returns the lock that refuses it (nothing taken). */
  async take(roomCode: string, ip: string): Promise<GuessTicket | GuessLock> {
    const addressTaken = await this.consume(this.addresses, ip);
    if (addressTaken.rejected) return { scope: 'address', retryAfterSeconds: seconds(addressTaken.msBeforeNext) };
    const pairTaken = await this.consume(this.pairs, pairKey(roomCode, ip));
    if (pairTaken.rejected) {
      await this.addresses.reward(ip, 1);
      return { scope: 'room-address', retryAfterSeconds: seconds(pairTaken.msBeforeNext) };
    }
    return { roomCode, ip, pairLeft: pairTaken.remaining, addressLeft: addressTaken.remaining };
  }

  /** A wrong code: the point stays taken; the last allowed one starts a full lock period. */
  async failed(ticket: GuessTicket): Promise<GuessOutcome> {
    if (ticket.addressLeft <= 0) {
      await this.addresses.block(ticket.ip, this.limits.lockSeconds);
      this.noteLock(ticket.ip, { scope: 'address', ip: ticket.ip, roomCode: null });
      return { lock: { scope: 'address', retryAfterSeconds: this.limits.lockSeconds }, remaining: 0 };
    }
    if (ticket.pairLeft <= 0) {
      const key = pairKey(ticket.roomCode, ticket.ip);
      await this.pairs.block(key, this.limits.lockSeconds);
      this.noteLock(key, { scope: 'room-address', ip: ticket.ip, roomCode: ticket.roomCode });
      return { lock: { scope: 'room-address', retryAfterSeconds: this.limits.lockSeconds }, remaining: 0 };
    }
    return { lock: null, remaining: Math.min(ticket.pairLeft, ticket.addressLeft) };
  }

  /** The right code: clears this address's count for the room and gives its point back. */
  async succeeded(ticket: GuessTicket): Promise<void> {
    await this.pairs.delete(pairKey(ticket.roomCode, ticket.ip));
    await this.addresses.reward(ticket.ip, 1);
  }

  /** The code was never compared (e.g. no exam data loaded): both points go back. */
  async refund(ticket: GuessTicket): Promise<void> {
    await this.pairs.reward(pairKey(ticket.roomCode, ticket.ip), 1);
    await this.addresses.reward(ticket.ip, 1);
  }

  /** The locks in force, oldest first. */
  list(): GuessLockView[] {
    const now = Date.now();
    for (const [key, lock] of this.locks) if (Date.parse(lock.until) <= now) this.locks.delete(key);
    return [...this.locks.values()].sort((a, b) => a.lockedAt.localeCompare(b.lockedAt));
  }

  /** Lifts a lock and forgets that address's wrong codes (for that room, or for all). False when none was in force. */
  async clear(ip: string, roomCode: string | null): Promise<boolean> {
    const key = roomCode === null ? ip : pairKey(roomCode, ip);
    const existed = this.list().some((l) => l.ip === ip && l.roomCode === roomCode);
    this.locks.delete(key);
    await (roomCode === null ? this.addresses : this.pairs).delete(key);
    return existed;
  }

  private noteLock(key: string, lock: Omit<GuessLockView, 'lockedAt' | 'until'>): void {
    const now = Date.now();
    this.locks.set(key, { ...lock, lockedAt: new Date(now).toISOString(), until: new Date(now + this.limits.lockSeconds * 1000).toISOString() });
  }

  private async consume(limiter: RateLimiterMemory, key: string): Promise<{ rejected: boolean; remaining: number; msBeforeNext: number }> {
    try {
      const r = await limiter.consume(key);
      return { rejected: false, remaining: r.remainingPoints, msBeforeNext: r.msBeforeNext };
    } catch (e) {
      // Rejected: the allowance is used up (or the key is locked).
      if (e instanceof RateLimiterRes) return { rejected: true, remaining: 0, msBeforeNext: e.msBeforeNext };
      throw e;
    }
  }
}

function pairKey(roomCode: string, ip: string): string {
  return `${roomCode}|${ip}`;
}

export function isGuessLock(x: GuessTicket | GuessLock): x is GuessLock {
  return 'scope' in x;
}

function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
