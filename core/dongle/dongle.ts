import { verifyBytes } from '../crypto/signing';
import type { WrappedKey } from '../crypto/wrap';

export type DongleKind = 'hid' | 'soft';

/** What the dongle's trusted clock says. Absent (null) until calibrated since power-up. */
export interface TrustedClockReading {
  /** Trusted time, ms since the Unix epoch. */
  readonly timeMs: number;
  /** Elapsed trusted time since the last calibration, ms (for "stale" warnings). */
  readonly sinceCalibrationMs: number;
}

/** One dongle, hardware or software. Every method may reject with TrustError 'DONGLE_IO'. */
export interface Dongle {
  readonly kind: DongleKind;
  id(): string;
  present(): boolean;
  /** Text forms (base64url of raw 32 bytes): Ed25519 signing, X25519 wrapping. */
  publicKeys(): { signing: string; wrapping: string };
  readClock(): Promise<TrustedClockReading | null>;
  calibrate(centreTimeMs: number): Promise<void>;
  /** Ed25519 signature over `DONGLE_SIGN_PREFIX || challenge` (see dongleSignedMessage). */
  sign(challenge: Buffer): Promise<Buffer>;
  /** 32 bytes, stable for this dongle and label. */
  deriveKey(label: string): Promise<Buffer>;
  unwrapKey(wrapped: WrappedKey, aad: Buffer): Promise<Buffer>;
  /**
   * The monotonic source this dongle's clock runs on when that clock lives in this process
   * (software dongle); absent for hardware, whose clock runs on its own crystal.
   */
  readonly monotonic?: MonotonicSource;
}

/** Monotonic milliseconds (any origin); never follows the PC's wall clock. */
export type MonotonicSource = () => number;

export const defaultMonotonic: MonotonicSource = () => Number(process.hrtime.bigint() / 1000n) / 1000;

/**
 * Domain separation: a dongle signature can never be passed off as a centre envelope or
 * any other protocol's signature, whatever challenge the host sends.
 */
export const DONGLE_SIGN_PREFIX = Buffer.from('examsite/dongle-sign/v1\0', 'ascii');
export const DONGLE_DERIVE_PREFIX = Buffer.from('examsite/derive/v1\0', 'ascii');
export const MAX_CHALLENGE_BYTES = 1024;
export const MAX_LABEL_BYTES = 200;

export function dongleSignedMessage(challenge: Buffer): Buffer {
  return Buffer.concat([DONGLE_SIGN_PREFIX, challenge]);
}

/** For the centre side (or tests): checks a dongle's signature over a challenge. */
export function verifyDongleSignature(challenge: Buffer, signature: Buffer, signingPublicKey: string): boolean {
  return verifyBytes(dongleSignedMessage(challenge), signature, signingPublicKey);
}

export function checkChallenge(challenge: Buffer): void {
  if (challenge.length === 0 || challenge.length > MAX_CHALLENGE_BYTES) {
    throw new RangeError(`challenge must be 1..${MAX_CHALLENGE_BYTES} bytes`);
  }
}

export function labelBytes(label: string): Buffer {
  const bytes = Buffer.from(label, 'utf8');
  if (bytes.length === 0 || bytes.length > MAX_LABEL_BYTES) throw new RangeError(`label must be 1..${MAX_LABEL_BYTES} bytes`);
  return bytes;
}

export function checkCentreTime(ms: number): void {
  if (!Number.isSafeInteger(ms) || ms <= 0) throw new RangeError('centre time must be a positive integer of ms');
}
