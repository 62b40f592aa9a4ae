import type { Context } from 'koa';
import { DONGLE_ERRORS, refusal, trustErrors } from '../../../core/http/error-catalog';
import { unauthorized } from '../../../core/http/errors';
import { mergeErrorResponses } from '../../../core/http/route';
import type { ProctorApi } from '../../registration/api';
import { releasedKeySchema } from '../api';
import { sessionNoParamSchema } from './authorization-schemas';
import type { AuthorizationService } from './authorization-service';

/** The proctor's own bearer token: the released key is sealed for exactly these credentials. */
function bearerToken(ctx: Context): string {
  const header = ctx.get('authorization');
  const token = header.toLowerCase().startsWith('bearer ') ? header.slice(7).trim() : '';
  if (!token) throw unauthorized('PROCTOR_TOKEN_MISSING', '缺少监考机凭证，请先注册');
  return token;
}

/** R6.3 on the proctor protocol: the session's encrypted content, and its key once verified. */
export function mountProctorKeyRoutes(api: ProctorApi, service: AuthorizationService): void {
  api.route({
    method: 'get',
    path: '/sessions/:no/key',
    operationId: 'getSessionKey',
    summary: '获取场次试题密钥（授权验证通过后，仅限参加该场次的考场）',
    description:
      '密钥用本机凭证封装：KEK = HKDF-SHA256(IKM = 凭证 token 的 UTF-8 字节, salt, info = "examsite/proctor-key/v1|<考场代码>|<场次>", 32)；' +
      '明文 = AES-256-GCM(KEK, iv, ct‖tag, AAD = info)。见 docs/formats.md。',
    params: sessionNoParamSchema,
    room: 'own',
    response: releasedKeySchema,
    errors: mergeErrorResponses(DONGLE_ERRORS, trustErrors('DECRYPT_FAILED', 'WRAPPED_KEY_MALFORMED'), {
      401: refusal('缺少监考机凭证', 'PROCTOR_TOKEN_MISSING'),
      403: refusal(
        '考场不参加该场次，或场次尚未授权/未通过授权验证/已结束（error.message 给出原因）',
        'ROOM_NOT_IN_SESSION', 'SESSION_NOT_AUTHORIZED', 'SESSION_NOT_VERIFIED', 'SESSION_ENDED', 'AUTHORIZATION_EXPIRED',
      ),
      404: refusal('考务数据中没有该场次', 'SESSION_UNKNOWN'),
    }),
    handler: async ({ principal, params, koa }) => {
      koa.set('Cache-Control', 'no-store');
      return service.releaseKey(principal, bearerToken(koa), params.no);
    },
  });

  api.route({
    method: 'get',
    path: '/sessions/:no/content',
    operationId: 'getSessionContent',
    summary: '下载场次的加密考试内容（ESG1 格式，需用场次试题密钥解密）',
    description: '应答头 X-Content-SHA256 为内容的 SHA-256。解密的 AAD 为 "examsite.content.v1|<考点代码>|<模式>|<场次>"（见 docs/formats.md 考场数据包）。',
    params: sessionNoParamSchema,
    room: 'own',
    response: null,
    rawResponses: [
      {
        status: 200,
        description: '加密的考试内容（ESG1）',
        contentTypes: ['application/octet-stream'],
        headers: { 'X-Content-SHA256': { description: '内容的 SHA-256（十六进制）' } },
      },
    ],
    errors: {
      403: refusal('考场不参加该场次', 'ROOM_NOT_IN_SESSION'),
      404: refusal('考试内容或场次不存在', 'CONTENT_MISSING', 'SESSION_UNKNOWN'),
      409: refusal('考点尚未设置考点代码', 'SITE_CODE_MISSING'),
      500: refusal('考点机上的试题文件已损坏', 'CONTENT_CORRUPT'),
    },
    handler: async ({ principal, params, koa }) => {
      const content = await service.contentFor(principal.roomCode, params.no);
      koa.set('Content-Type', 'application/octet-stream');
      koa.set('X-Content-SHA256', content.sha256);
      koa.body = content.bytes;
    },
  });
}
