import { RateLimiterMemory } from 'rate-limiter-flexible';

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
 */
export class GuessThrottle {
  private readonly rooms: RateLimiterMemory;
  private readonly ips: RateLimiterMemory;

  constructor(private readonly limits: GuessLimits = DEFAULT_GUESS_LIMITS) {
    this.rooms = new RateLimiterMemory({ keyPrefix: 'room', points: limits.perRoom, duration: limits.windowSeconds });
    this.ips = new RateLimiterMemory({ keyPrefix: 'ip', points: limits.perIp, duration: limits.windowSeconds });
  }

  /** The lock that currently refuses this attempt, if any. */
  async lockOf(roomCode: string, ip: string): Promise<GuessLock | null> {
    const ipState = await this.ips.get(ip);
    if (ipState && ipState.consumedPoints >= this.limits.perIp) return { scope: 'ip', retryAfterSeconds: seconds(ipState.msBeforeNext) };
    const roomState = await this.rooms.get(roomCode);
    if (roomState && roomState.consumedPoints >= this.limits.perRoom) return { scope: 'room', retryAfterSeconds: seconds(roomState.msBeforeNext) };
    return null;
  }

  async failed(roomCode: string, ip: string): Promise<GuessOutcome> {
    const roomLeft = await this.consume(this.rooms, roomCode);
    const ipLeft = await this.consume(this.ips, ip);
    // The last allowed failure starts a full lock period (not the rest of the window).
    if (ipLeft <= 0) {
      await this.ips.block(ip, this.limits.lockSeconds);
      return { lock: { scope: 'ip', retryAfterSeconds: this.limits.lockSeconds }, remaining: 0 };
    }
    if (roomLeft <= 0) {
      await this.rooms.block(roomCode, this.limits.lockSeconds);
      return { lock: { scope: 'room', retryAfterSeconds: this.limits.lockSeconds }, remaining: 0 };
    }
    return { lock: null, remaining: Math.min(roomLeft, ipLeft) };
  }

  /** The right code for a room clears that room's count (the address keeps its own). */
  async succeeded(roomCode: string): Promise<void> {
    await this.rooms.delete(roomCode);
  }

  private async consume(limiter: RateLimiterMemory, key: string): Promise<number> {
    try {
      return (await limiter.consume(key)).remainingPoints;
    } catch (e) {
      // Rejected: already at the limit (a lock raced with this attempt).
      if (e instanceof Error) throw e;
      return 0;
    }
  }
}

function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
