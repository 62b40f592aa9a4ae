import { z } from 'zod';
import { centreReply, defineCentreEndpoint } from '../../../core/centre/centre-endpoint';
import { examModeSchema, isoInstantSchema, sha256HexSchema, siteCodeSchema, siteQuerySchema } from '../../../core/centre/centre-contract';
import { TrustError } from '../../../core/crypto/trust-error';

/** Payload of the signed reply of GET /v1/sites/{site}/package/release (docs/centre-protocol.md). */
export const packageReleasePayloadSchema = z.object({
  kind: z.literal('package-release'),
  v: z.literal(1),
  siteCode: siteCodeSchema,
  mode: examModeSchema,
  releaseTime: isoInstantSchema,
  manifestSha256: sha256HexSchema,
  /** The site's request nonce, signed into the answer: an answer to another request is refused. */
  nonce: z.string().max(128).optional(),
});
export type PackageReleasePayload = z.output<typeof packageReleasePayloadSchema>;

/** 校验 asks with a fresh nonce (base64url, 16–128 characters) the answer must carry. */
export const latestReleaseRequestSchema = siteQuerySchema.extend({
  nonce: z.string().regex(/^[A-Za-z0-9_-]{16,128}$/, 'nonce 应为 16–128 个 base64url 字符'),
});

/** The header a package download carries its (informative) release time in. */
export const RELEASE_TIME_HEADER = 'x-release-time';

/** Large enough for a big site's package; the reader refuses more than its own limit anyway. */
const MAX_PACKAGE_DOWNLOAD_BYTES = 512 * 1024 * 1024;

function modeLabel(mode: string): string {
  return mode === 'formal' ? '正式考试' : '模拟考试';
}

/** What 载入考务 asks the centre for. */
export const loadCentreEndpoints = {
  /** 载入: the whole site's exam data package (.zip), its SHA-256 checked by the transport. */
  sitePackage: defineCentreEndpoint({
    id: 'load.site-package',
    description: '考场数据包',
    method: 'GET',
    path: (q) => `/sites/${q.siteCode}/package`,
    request: siteQuerySchema,
    query: (q) => ({ mode: q.mode }),
    reply: centreReply.file({ maxBytes: MAX_PACKAGE_DOWNLOAD_BYTES }),
    retry: true,
  }),
  /** 校验: the centre's latest release, signed; it must name this site and mode. */
  latestRelease: defineCentreEndpoint({
    id: 'load.latest-release',
    description: '发布信息',
    method: 'GET',
    path: (q) => `/sites/${q.siteCode}/package/release`,
    request: latestReleaseRequestSchema,
    query: (q) => ({ mode: q.mode, nonce: q.nonce }),
    reply: centreReply.signed(packageReleasePayloadSchema, '发布信息'),
    retry: true,
    check: (q, { payload: r }) => {
      // An old signed answer replayed on the network must not make an older package pass 校验.
      if (r.nonce !== q.nonce) {
        throw new TrustError(
          'RELEASE_NONCE_MISMATCH',
          '监控平台的发布信息应答与本次校验请求不匹配（可能是旧的或被截获的应答），本次校验不予采信；请稍后重新校验',
        );
      }
      if (r.siteCode !== q.siteCode || r.mode !== q.mode) {
        throw new TrustError(
          'RELEASE_FOREIGN',
          `监控平台返回的发布信息属于考点 ${r.siteCode}（${modeLabel(r.mode)}），与本考点 ${q.siteCode}（${modeLabel(q.mode)}）不符；请联系监控平台`,
        );
      }
    },
  }),
};
