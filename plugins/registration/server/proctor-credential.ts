import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new bearer credential: 32 random bytes, base64url. Shown once; only its hash is stored. */
export function newProctorCredential(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: credentialHash(token) };
}

export function credentialHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function normalizeRegistrationCode(code: string): string {
  return code.trim().toUpperCase();
}

/**
 * Compares a typed registration code with the room's in constant time: both sides are
 * hashed to 32 bytes first, so neither the content nor the length leaks through timing.
 * `expected` null (unknown room) still costs one comparison and never matches.
 */
export function registrationCodeMatches(given: string, expected: string | null): boolean {
  const a = createHash('sha256').update(normalizeRegistrationCode(given), 'utf8').digest();
  const b = createHash('sha256').update(expected === null ? randomBytes(16).toString('hex') : normalizeRegistrationCode(expected), 'utf8').digest();
  return timingSafeEqual(a, b) && expected !== null;
}

/** `::ffff:192.168.1.5` → `192.168.1.5` (what the administrator expects to read). */
export function displayIp(ip: string): string {
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip || '-';
}
