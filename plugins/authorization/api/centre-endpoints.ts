import { z } from 'zod';
import { centreReply, defineCentreEndpoint } from '../../../core/centre/centre-endpoint';
import { dongleIdSchema, examModeSchema, sessionNoSchema, siteQuerySchema } from '../../../core/centre/centre-contract';

/** A session of this site, asked for by this site's dongle. */
export const sessionQuerySchema = siteQuerySchema.extend({
  sessionNo: sessionNoSchema,
  dongleId: dongleIdSchema,
});
export type SessionQuery = z.output<typeof sessionQuerySchema>;

/** Body of POST /v1/sites/{site}/sessions/{no}/verification (docs/centre-protocol.md). */
export const verificationRequestSchema = z.object({
  dongleId: dongleIdSchema,
  mode: examModeSchema,
  dongleSignature: z.string().max(200).optional(),
});

/** What 考试授权 and 授权验证 ask the centre for: the bytes of a .PTQ / verification file. */
export const authorizationCentreEndpoints = {
  authorization: defineCentreEndpoint({
    id: 'authorization.session-authorization',
    description: '场次授权',
    method: 'GET',
    path: (q) => `/sites/${q.siteCode}/sessions/${q.sessionNo}/authorization`,
    request: sessionQuerySchema,
    query: (q) => ({ mode: q.mode, dongle: q.dongleId }),
    reply: centreReply.file(),
    retry: true,
  }),
  verification: defineCentreEndpoint({
    id: 'authorization.session-verification',
    description: '授权验证',
    method: 'POST',
    path: (q) => `/sites/${q.siteCode}/sessions/${q.sessionNo}/verification`,
    request: sessionQuerySchema,
    body: (q) => ({ dongleId: q.dongleId, mode: q.mode }),
    reply: centreReply.file(),
    retry: false,
  }),
};
