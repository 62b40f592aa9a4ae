import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

export interface GuessLimits {
  /** Wrong codes allowed per room within `windowSeconds` before the room is locked. */
  readonly perRoom: number;
  /** Wrong codes allowed per client address within `windowSeconds` (any room). */
  readonly perIp: number;
  readonly windowSeconds: number;
  readonly lockSeconds: number;
}

export const DEFAULT_GUESS_LIMITS: GuessLimits = { perRoom: 5, perIp: 10, windowSeconds: 10 * 60, lockSeconds: 10 * 60 };

export interface GuessLock {
  readonly scope: 'room' | 'ip';
  readonly retryAfterSeconds: number;
}

/** One point of the room's and of the address's allowance, taken before the comparison. */
export interface GuessTicket {
  readonly roomCode: string;
  readonly ip: string;
  /** Points left after this one (room / address). */
  readonly roomLeft: number;
  readonly ipLeft: number;
}

export interface GuessOutcome {
  /** Set when this failure used up the allowance (the next attempt is refused). */
  readonly lock: GuessLock | null;
  /** Attempts left before the stricter of the two locks. */
  readonly remaining: number;
}

/**
 * Slows down registration-code guessing (R3.4): counts wrong codes per room and per client
 * address; once either allowance is used up, that room / address is locked for a while,
 * even for the right code, so guessing cannot continue in the background.
 *
 * A point is taken *before* the code is compared (`take`) and given back when the code was
 * right or never compared (`succeeded`, `refund`). Checking first and counting after would
 * let parallel guesses all pass the check while the comparisons are in flight; taking
 * first means at most the allowance is ever compared.
 */
export class GuessThrottle {
  private readonly rooms: RateLimiterMemory;
  private readonly ips: RateLimiterMemory;

  constructor(private readonly limits: GuessLimits = DEFAULT_GUESS_LIMITS) {
    this.rooms = new RateLimiterMemory({ keyPrefix: 'room', points: limits.perRoom, duration: limits.windowSeconds });
    this.ips = new RateLimiterMemory({ keyPrefix: 'ip', points: limits.perIp, duration: limits.windowSeconds });
  }

  /** Takes a point for this attempt, or returns the lock that refuses it (nothing taken). */
  async take(roomCode: string, ip: string): Promise<GuessTicket | GuessLock> {
    const ipTaken = await this.consume(this.ips, ip);
    if (ipTaken.rejected) return { scope: 'ip', retryAfterSeconds: seconds(ipTaken.msBeforeNext) };
    const roomTaken = await this.consume(this.rooms, roomCode);
    if (roomTaken.rejected) {
      await this.ips.reward(ip, 1);
      return { scope: 'room', retryAfterSeconds: seconds(roomTaken.msBeforeNext) };
    }
    return { roomCode, ip, roomLeft: roomTaken.remaining, ipLeft: ipTaken.remaining };
  }

  /** A wrong code: the point stays taken; the last allowed one starts a full lock period. */
  async failed(ticket: GuessTicket): Promise<GuessOutcome> {
    if (ticket.ipLeft <= 0) {
      await this.ips.block(ticket.ip, this.limits.lockSeconds);
      return { lock: { scope: 'ip', retryAfterSeconds: this.limits.lockSeconds }, remaining: 0 };
    }
    if (ticket.roomLeft <= 0) {
      await this.rooms.block(ticket.roomCode, this.limits.lockSeconds);
      return { lock: { scope: 'room', retryAfterSeconds: this.limits.lockSeconds }, remaining: 0 };
    }
    return { lock: null, remaining: Math.min(ticket.roomLeft, ticket.ipLeft) };
  }

  /** The right code: clears the room's count and gives the address its point back. */
  async succeeded(ticket: GuessTicket): Promise<void> {
    await this.rooms.delete(ticket.roomCode);
    await this.ips.reward(ticket.ip, 1);
  }

  /** The code was never compared (e.g. no exam data loaded): both points go back. */
  async refund(ticket: GuessTicket): Promise<void> {
    await this.rooms.reward(ticket.roomCode, 1);
    await this.ips.reward(ticket.ip, 1);
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

export function isGuessLock(x: GuessTicket | GuessLock): x is GuessLock {
  return 'scope' in x;
}

function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
