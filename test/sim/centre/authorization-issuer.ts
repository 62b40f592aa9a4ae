import { signJson } from '../../../core/crypto/signing';
import { wrapKeyForRecipient } from '../../../core/crypto/wrap';
import {
  AUTHORIZATION_KIND,
  VERIFICATION_FORMAT_VERSION,
  VERIFICATION_KIND,
  authorizationKeyAad,
  type AuthorizationPayload,
  type VerificationPayload,
} from '../../../plugins/authorization/api/authorization-format';
import { registerAuthorizationIssuer } from './authorization-issuers';
import type { AuthorizationIssueContext, AuthorizationIssuer, AuthorizationVerifyContext } from './sim-types';

/**
 * The simulated centre's issuer of 考试授权 (.PTQ) and 授权验证 files, in the format of
 * docs/formats.md. Tests use the exported builders with overrides to forge refusable
 * files (another site, session, mode or dongle, expired, older version) signed by the
 * real simulator key, so that only the check under test fails.
 */

/** Seconds since 2020-01-01: grows with every newer package release, stable for re-downloads. */
export function authorizationVersionOf(releaseTime: string): number {
  const s = Math.floor((Date.parse(releaseTime) - Date.UTC(2020, 0, 1)) / 1000);
  return Math.max(1, s);
}

/** Default expiry: one day after the session's end. */
export const DEFAULT_VALID_AFTER_END_MS = 24 * 3_600_000;

export interface AuthorizationIssueOptions {
  readonly version?: number;
  readonly notAfter?: string;
  /** Forge a field (tests): applied after the real values, before signing. */
  readonly overrides?: Partial<AuthorizationPayload>;
}

export function authorizationPayloadFor(ctx: AuthorizationIssueContext, options: AuthorizationIssueOptions = {}): AuthorizationPayload {
  const startsAtMs = Date.parse(ctx.session.startsAt);
  if (!Number.isFinite(startsAtMs)) throw new Error(`场次 ${ctx.sessionNo} 的开考时间无效：${ctx.session.startsAt}`);
  const endsAtMs = startsAtMs + ctx.session.durationMinutes * 60_000;
  const key = Buffer.from(ctx.contentKey, 'base64');
  if (key.length !== 32) throw new Error(`场次 ${ctx.sessionNo} 的内容密钥不是 32 字节`);
  const siteCode = options.overrides?.siteCode ?? ctx.siteCode;
  const mode = options.overrides?.mode ?? ctx.mode;
  const sessionNo = options.overrides?.sessionNo ?? ctx.sessionNo;
  const payload: AuthorizationPayload = {
    kind: AUTHORIZATION_KIND,
    v: 1,
    version: options.version ?? authorizationVersionOf(ctx.releaseTime),
    siteCode: ctx.siteCode,
    mode: ctx.mode,
    sessionNo: ctx.sessionNo,
    dongleId: ctx.dongle.id,
    window: { startsAt: new Date(startsAtMs).toISOString(), endsAt: new Date(endsAtMs).toISOString() },
    notAfter: options.notAfter ?? new Date(endsAtMs + DEFAULT_VALID_AFTER_END_MS).toISOString(),
    packageManifestSha256: ctx.manifestSha256,
    // The AAD follows the (possibly forged) binding, as a real centre would have signed it.
    wrappedKey: wrapKeyForRecipient(key, ctx.dongle.wrappingPublicKey, authorizationKeyAad(siteCode, mode, sessionNo)),
    ...options.overrides,
  };
  key.fill(0);
  return payload;
}

/** The bytes of a .PTQ file: the signed envelope as JSON text. */
export function issueAuthorization(ctx: AuthorizationIssueContext, options: AuthorizationIssueOptions = {}): Buffer {
  return envelopeBytes(signJson(authorizationPayloadFor(ctx, options), ctx.key.privateKeyPem));
}

/**
 * Bound to the authorization the centre issued for this package: its manifest hash and
 * version (`authorizationVersion`, default the one `authorizationPayloadFor` gives; pass the
 * one of a PTQ written with another `version`).
 */
export function verificationPayloadFor(ctx: AuthorizationVerifyContext, overrides: Partial<VerificationPayload> = {}): VerificationPayload {
  return {
    kind: VERIFICATION_KIND,
    v: VERIFICATION_FORMAT_VERSION,
    siteCode: ctx.siteCode,
    mode: ctx.mode,
    sessionNo: ctx.sessionNo,
    dongleId: ctx.dongle.id,
    packageManifestSha256: ctx.manifestSha256,
    authorizationVersion: ctx.authorizationVersion ?? authorizationVersionOf(ctx.releaseTime),
    issuedAt: new Date(Date.parse(ctx.now)).toISOString(),
    ...overrides,
  };
}

/** The bytes of an 授权验证 file. The centre does not judge the window: the site does, on the dongle's clock. */
export function issueVerification(ctx: AuthorizationVerifyContext, overrides: Partial<VerificationPayload> = {}): Buffer {
  return envelopeBytes(signJson(verificationPayloadFor(ctx, overrides), ctx.key.privateKeyPem));
}

function envelopeBytes(envelope: unknown): Buffer {
  return Buffer.from(`${JSON.stringify(envelope, null, 2)}\n`, 'utf8');
}

export const ptqAuthorizationIssuer: AuthorizationIssuer = {
  id: 'authorization-stage-ptq',
  issue: async (ctx) => issueAuthorization(ctx),
  verify: async (ctx) => issueVerification(ctx),
};

registerAuthorizationIssuer(ptqAuthorizationIssuer);
