import { randomBytes } from 'node:crypto';
import { sha256Hex } from '../../crypto/hash';
import type { BuiltPackage, PackageBuilder, SitePackageSpec } from '../../../test/sim/centre/sim-types';

/** A stand-in builder for the simulator's own tests: opaque bytes, real hashes and keys. */
export const fakePackageBuilder: PackageBuilder = async (spec: SitePackageSpec): Promise<BuiltPackage> => {
  const manifest = Buffer.from(JSON.stringify({ siteCode: spec.siteCode, mode: spec.mode, releaseTime: spec.releaseTime }));
  const bytes = Buffer.concat([Buffer.from('PK-fake-package\n'), manifest, randomBytes(4096)]);
  const roomCodes = Array.from({ length: spec.rooms }, (_, i) => `${spec.siteCode}${String(i + 1).padStart(3, '0')}`);
  return {
    bytes,
    siteCode: spec.siteCode,
    mode: spec.mode,
    releaseTime: spec.releaseTime,
    manifestSha256: sha256Hex(manifest),
    sessionKeys: Object.fromEntries(spec.sessions.map((s) => [s.no, randomBytes(32).toString('base64')])),
    sessions: spec.sessions,
    roomCodes,
  };
};

export const SAMPLE_SPEC: SitePackageSpec = {
  siteCode: '11003',
  mode: 'mock',
  rooms: 2,
  candidatesPerRoom: 3,
  sessions: [
    { no: 1, name: '第一场', startsAt: '2026-12-20T09:00:00+08:00', durationMinutes: 90 },
    { no: 2, name: '第二场', startsAt: '2026-12-20T14:00:00+08:00', durationMinutes: 90 },
  ],
  releaseTime: '2026-12-01T10:00:00+08:00',
};

/** Awaits a rejection and returns it (fails the test when the promise resolves). */
export async function rejectionOf(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}
