import { parseTimeToken } from '../clock/time-token';
import { TrustError } from '../crypto/trust-error';
import { centreReply, defineCentreEndpoint } from './centre-endpoint';
import { dongleRegistrationReplySchema, dongleRegistrationSchema, timeTokenRequestSchema } from './centre-contract';

/**
 * The endpoints core itself uses: the dongle and the trusted clock are core. Stage plugins
 * declare theirs in their own api/ (docs/centre-protocol.md lists them all).
 */
export const coreCentreEndpoints = {
  /** 在线校时: a signed time token for this dongle and nonce (checked here and again by the clock). */
  timeToken: defineCentreEndpoint({
    id: 'core.time-token',
    description: '在线校时',
    method: 'POST',
    path: () => '/time-token',
    request: timeTokenRequestSchema,
    body: (q) => q,
    reply: centreReply.signed(parseTimeToken, '校时应答'),
    retry: false,
    check: (q, { payload: token }) => {
      if (token.dongleId !== q.dongleId) {
        throw new TrustError('TOKEN_FOREIGN_DONGLE', `监控平台返回的校时应答属于机考锁 ${token.dongleId}，而请求的是 ${q.dongleId}；请重新在线校时`);
      }
      if (token.nonce !== q.nonce) {
        throw new TrustError('TOKEN_NONCE_MISMATCH', '在线校时应答与本次请求不匹配（可能是旧的或被截获的应答）；请重新在线校时');
      }
    },
  }),
  /** 机考锁注册 */
  registerDongle: defineCentreEndpoint({
    id: 'core.register-dongle',
    description: '机考锁注册信息',
    method: 'POST',
    path: () => '/dongles',
    request: dongleRegistrationSchema,
    body: (r) => r,
    reply: centreReply.json(dongleRegistrationReplySchema, '机考锁注册回执'),
    retry: false,
  }),
};
