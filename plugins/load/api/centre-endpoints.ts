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
});
export type PackageReleasePayload = z.output<typeof packageReleasePayloadSchema>;

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
    request: siteQuerySchema,
    query: (q) => ({ mode: q.mode }),
    reply: centreReply.signed(packageReleasePayloadSchema, '发布信息'),
    retry: true,
    check: (q, { payload: r }) => {
      if (r.siteCode !== q.siteCode || r.mode !== q.mode) {
        throw new TrustError(
          'RELEASE_FOREIGN',
          `监控平台返回的发布信息属于考点 ${r.siteCode}（${modeLabel(r.mode)}），与本考点 ${q.siteCode}（${modeLabel(q.mode)}）不符；请联系监控平台`,
        );
      }
    },
  }),
};
