import type { Context } from 'koa';
import { unauthorized } from '../../../core/http/errors';
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
    summary: '获取场次试题密钥（授权验证通过后，仅限参加该场次的考场）',
    description:
      '密钥用本机凭证封装：KEK = HKDF-SHA256(IKM = 凭证 token 的 UTF-8 字节, salt, info = "examsite/proctor-key/v1|<考场代码>|<场次>", 32)；' +
      '明文 = AES-256-GCM(KEK, iv, ct‖tag, AAD = info)。见 docs/formats.md。',
    params: sessionNoParamSchema,
    room: 'own',
    response: releasedKeySchema,
    errors: { 403: '考场不参加该场次，或场次尚未授权/未通过授权验证/已结束（error.message 给出原因）', 503: '未检测到机考锁' },
    handler: async ({ principal, params, koa }) => {
      koa.set('Cache-Control', 'no-store');
      return service.releaseKey(principal, bearerToken(koa), params.no);
    },
  });

  api.route({
    method: 'get',
    path: '/sessions/:no/content',
    summary: '下载场次的加密考试内容（ESG1 格式，需用场次试题密钥解密）',
    description: '应答头 X-Content-SHA256 为内容的 SHA-256。解密的 AAD 为 "examsite.content.v1|<考点代码>|<模式>|<场次>"（见 docs/formats.md 考场数据包）。',
    params: sessionNoParamSchema,
    room: 'own',
    response: null,
    responseDescription: 'application/octet-stream：加密的考试内容',
    errors: { 403: '考场不参加该场次', 404: '考试内容不存在' },
    handler: async ({ principal, params, koa }) => {
      const content = await service.contentFor(principal.roomCode, params.no);
      koa.set('Content-Type', 'application/octet-stream');
      koa.set('X-Content-SHA256', content.sha256);
      koa.body = content.bytes;
    },
  });
}
