import { z } from 'zod';
import { integerParam } from '../../../../core/http/integer-param';
import type { DurableFileStore } from '../../../../core/files/durable-file-store';
import { notFound } from '../../../../core/http/errors';
import { refusal } from '../../../../core/http/error-catalog';
import type { ProctorApi } from '../../../registration/api';
import type { FtpIntent, FtpIntents } from './ftp-intents';

const sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, 'sha256 应为 64 位小写十六进制（结果包文件的 SHA-256）');
/** 4 GiB: far above any session's result package, low enough to refuse nonsense. */
const MAX_PACKAGE_BYTES = 4 * 1024 ** 3;

export const ftpIntentBodySchema = z
  .object({
    size: z.number().int().min(1, 'size 应为结果包的字节数（大于 0）').max(MAX_PACKAGE_BYTES, '结果包不能超过 4 GB'),
    sha256: sha256Schema,
  })
  .strict();

const sessionParamsSchema = z.object({ no: integerParam(1, 999, '场次号必须是 1–999 的整数') });
const fileParamsSchema = sessionParamsSchema.extend({ fileName: z.string().regex(/^S\d{1,3}-[0-9a-f]{16}\.zip$/, '文件名应为上传声明返回的 fileName') });

export const ftpUploadStatusSchema = z.object({
  fileName: z.string(),
  size: z.number().int(),
  sha256: sha256Schema,
  /** Bytes the site holds: continue with REST <offset> + STOR. */
  offset: z.number().int(),
  state: z.enum(['receiving', 'accepted', 'refused']),
  ftpPort: z.number().int(),
  /** The site's receipt once accepted. */
  receipt: z.unknown().optional(),
  message: z.string().optional(),
});
type FtpUploadStatus = z.output<typeof ftpUploadStatusSchema>;

export interface FtpIntentRouteDeps {
  readonly intents: FtpIntents;
  readonly files: DurableFileStore;
  ftpPort(): number;
}

async function statusOf(deps: FtpIntentRouteDeps, intent: FtpIntent): Promise<FtpUploadStatus> {
  const held = (await deps.files.find(intent.sinkId))?.offset ?? 0;
  const s = intent.state;
  return {
    fileName: intent.fileName,
    size: intent.declared.size,
    sha256: intent.declared.sha256,
    offset: s.kind === 'accepted' ? intent.declared.size : held,
    state: s.kind,
    ftpPort: deps.ftpPort(),
    ...(s.kind === 'accepted' ? { receipt: s.receipt } : {}),
    ...(s.kind === 'refused' ? { message: s.message } : {}),
  };
}

/**
 * Before an FTP STOR the proctor declares the package's size and SHA-256 over HTTP (issue 12
 * point 3): the FTP side accepts a file only when it matches, never because its data socket
 * closed. The answer names the file to STOR and where to resume.
 */
export function mountFtpIntentRoutes(api: ProctorApi, deps: FtpIntentRouteDeps): void {
  api.route({
    method: 'post',
    path: '/sessions/:no/results/ftp-intent',
    operationId: 'declareFtpUpload',
    summary: 'FTP 上传结果包前声明其大小与 SHA-256',
    description:
      '返回要上传的文件名（fileName）和考点已收到的字节数（offset）。以考场代码和监考机凭证登录 FTP（仅被动模式），' +
      '从 offset 续传：REST <offset> 后 STOR <fileName>。大小和 SHA-256 与声明一致时考点才接收；同一文件重复声明是幂等的。',
    room: 'own',
    params: sessionParamsSchema,
    body: { kind: 'json', schema: ftpIntentBodySchema, maxBytes: 4 * 1024 },
    response: ftpUploadStatusSchema,
    handler: ({ principal, params, body }) => statusOf(deps, deps.intents.declare(principal, params.no, body)),
  });

  api.route({
    method: 'get',
    path: '/sessions/:no/results/ftp/:fileName',
    operationId: 'getFtpUploadStatus',
    summary: 'FTP 上传的进度与结果（接收后含回执）',
    room: 'own',
    params: fileParamsSchema,
    response: ftpUploadStatusSchema,
    errors: { 404: refusal('本考场没有这个上传声明', 'FTP_INTENT_MISSING') },
    handler: async ({ principal, params }) => {
      const intent = deps.intents.of(principal.roomCode, params.fileName);
      if (!intent || intent.sessionNo !== params.no) {
        throw notFound('FTP_INTENT_MISSING', `本考场没有场次 ${params.no} 的上传声明 ${params.fileName}，请先声明（POST …/results/ftp-intent）`);
      }
      return statusOf(deps, intent);
    },
  });
}
