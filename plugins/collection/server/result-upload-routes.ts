import { randomBytes } from 'node:crypto';
import { Server } from '@tus/server';
import type { Context } from 'koa';
import { z } from 'zod';
import { integerParam } from '../../../core/http/integer-param';
import type { DurableFileStore } from '../../../core/files/durable-file-store';
import { refusal } from '../../../core/http/error-catalog';
import { AppError, notFound } from '../../../core/http/errors';
import { mergeErrorResponses, type RawResponseSpec, type ResponseHeaders } from '../../../core/http/route';
import { RESULT_INTAKE_ERRORS, UPLOAD_ERRORS } from './intake-errors';
import { PROCTOR_API_PREFIX, type ProctorApi } from '../../registration/api';
import type { IntakeOutcome, ResultIntakeService } from '../api';
import { RESULT_PACKAGE_LIMITS } from '../api/result-package-format';
import { TusResultStore, tusError } from './tus-result-store';

const roomSessionParams = z.object({
  roomCode: z.string().regex(/^\d{8}$/, '考场代码应为 8 位数字'),
  sessionNo: integerParam(1, 99, '场次号必须是 1–99 的整数'),
});
const uploadParams = roomSessionParams.extend({ uploadId: z.string().regex(/^\d{8}-\d{1,2}-[0-9a-f]{24}$/, '上传编号格式错误') });

/** Upload ids carry their room and session, so a PATCH can never reach another room's upload. */
function uploadIdFor(roomCode: string, sessionNo: number): string {
  return `${roomCode}-${sessionNo}-${randomBytes(12).toString('hex')}`;
}

function roomSessionOf(uploadId: string): { roomCode: string; sessionNo: number } {
  const [roomCode, session] = uploadId.split('-');
  return { roomCode: roomCode!, sessionNo: Number(session) };
}

const TUS_DESCRIPTION =
  'tus 1.0.0 可续传上传（creation、creation-with-upload、termination）。POST 创建：Upload-Length = 文件大小，' +
  'Upload-Metadata 须含 sha256（整个结果数据包的 SHA-256，十六进制）；HEAD 返回已持久保存的 Upload-Offset；PATCH 从该位置续传。' +
  '最后一个 PATCH 只有在文件完整、fsync、SHA-256 一致且结果数据包通过全部校验后才以 200 应答，应答体为 JSON {receipt, duplicate}（签名回执）。' +
  '被拒绝时应答 4xx，应答体为 {error:{code,message}}；见 docs/proctor-protocol.md。';

const TUS_HEADERS: ResponseHeaders = {
  'Tus-Resumable': { description: 'tus 协议版本（1.0.0）' },
  'Upload-Offset': { description: '考点已持久保存的字节数', type: 'integer' },
};

/** The last PATCH (or a creation with the whole file) and …/accept answer with the signed receipt. */
const RECEIPT_RESPONSE: RawResponseSpec = {
  status: 200,
  description: '文件完整且通过全部校验：签名回执',
  contentTypes: ['application/json'],
  jsonSchema: z.object({ receipt: z.record(z.string(), z.unknown()).describe('考点签名的回执'), duplicate: z.boolean() }),
};

/** tus answers a refused package (or a conflict, as 422) with the JSON error body; see tusError. */
const TUS_ERRORS = mergeErrorResponses(RESULT_INTAKE_ERRORS, UPLOAD_ERRORS, {
  400: refusal('缺少 Upload-Length', 'UPLOAD_LENGTH_REQUIRED'),
  404: refusal('上传地址错误', 'NOT_FOUND'),
  422: refusal('结果数据包未通过校验，或与已回收的数据包冲突', 'RESULT_CONFLICT'),
});

/**
 * HTTP upload of result packages (issue 12 point 2): @tus/server with a DataStore on the
 * core durable files, mounted under the proctor API with the room scope of its URL.
 */
export function mountResultUploadRoutes(api: ProctorApi, files: DurableFileStore, intake: ResultIntakeService): void {
  const accept = async (uploadId: string): Promise<IntakeOutcome> => {
    const sink = await files.find(uploadId);
    if (!sink || !sink.complete) throw notFound('UPLOAD_NOT_COMPLETE', '没有这个已传完的上传，请重新上传结果数据包');
    const { roomCode, sessionNo } = roomSessionOf(uploadId);
    try {
      const outcome = await intake.acceptFile(roomCode, sessionNo, sink.tempPath, sink.declared, 'http', 'hashed-while-written');
      await sink.abandon(); // the file itself was moved into place (or was a duplicate)
      return outcome;
    } catch (e) {
      // A refused package will not become valid by trying again; a server-side failure (5xx) might.
      if (!(e instanceof AppError) || e.status < 500) await sink.abandon();
      throw e;
    }
  };

  const tus = new Server({
    path: `${PROCTOR_API_PREFIX}/rooms`,
    datastore: new TusResultStore(files),
    maxSize: RESULT_PACKAGE_LIMITS.maxPackageBytes,
    relativeLocation: true,
    namingFunction: (req) => {
      const m = /\/rooms\/(\d{8})\/sessions\/(\d{1,2})\/results\/?$/.exec(new URL(req.url).pathname);
      if (!m) throw { status_code: 404, body: JSON.stringify({ error: { code: 'NOT_FOUND', message: '上传地址错误' } }) };
      return uploadIdFor(m[1]!, Number(m[2]));
    },
    generateUrl: (req, { id }) => `${new URL(req.url).pathname.replace(/\/+$/, '')}/${id}`,
    onUploadFinish: async (_req, upload) => {
      try {
        const outcome = await accept(upload.id);
        return { status_code: 200, headers: { 'Content-Type': 'application/json; charset=utf-8' }, body: JSON.stringify(outcome) };
      } catch (e) {
        // tus clients retry 409; a conflict is final, so it goes out as 422 with its code.
        if (e instanceof AppError && e.code === 'RESULT_CONFLICT') throw tusError(new AppError(422, e.code, e.message));
        throw tusError(e);
      }
    },
  });

  const handle = async (koa: Context): Promise<void> => {
    koa.body = null; // nothing for Koa to send: tus writes the answer itself
    koa.respond = false;
    await tus.handle(koa.req, koa.res);
  };
  const checkUpload = (p: z.output<typeof uploadParams>): void => {
    if (!p.uploadId.startsWith(`${p.roomCode}-${p.sessionNo}-`)) throw notFound('UPLOAD_NOT_FOUND', '没有这个上传：上传编号不属于该考场和场次');
  };

  api.route({
    method: 'post',
    path: '/rooms/:roomCode/sessions/:sessionNo/results',
    operationId: 'createResultUpload',
    summary: '上报结果数据包（tus 创建上传）',
    description: TUS_DESCRIPTION,
    params: roomSessionParams,
    room: ({ params }) => params.roomCode,
    response: null,
    rawResponses: [
      { status: 201, description: '已创建上传（tus）；Location 为本次上传的地址', headers: { ...TUS_HEADERS, Location: { description: '本次上传的地址' } } },
      RECEIPT_RESPONSE,
    ],
    errors: TUS_ERRORS,
    handler: ({ koa }) => handle(koa),
  });
  const uploadOperations = {
    get: { operationId: 'getResultUploadOffset', summary: '查询已保存的字节数（tus HEAD）', answers: [{ status: 200, description: '已持久保存的字节数在 Upload-Offset 中', headers: { ...TUS_HEADERS, 'Upload-Length': { description: '文件总字节数', type: 'integer' } } }] },
    patch: { operationId: 'appendResultUpload', summary: '续传结果数据包（tus PATCH，Content-Type: application/offset+octet-stream）', answers: [{ status: 204, description: '已保存这一段；Upload-Offset 为新的位置', headers: TUS_HEADERS }, RECEIPT_RESPONSE] },
    delete: { operationId: 'abandonResultUpload', summary: '放弃本次上传（tus 终止）', answers: [{ status: 204, description: '已放弃', headers: TUS_HEADERS }] },
  } satisfies Record<string, { operationId: string; summary: string; answers: RawResponseSpec[] }>;
  for (const method of ['get', 'patch', 'delete'] as const) {
    const op = uploadOperations[method];
    api.route({
      method,
      path: '/rooms/:roomCode/sessions/:sessionNo/results/:uploadId',
      operationId: op.operationId,
      summary: op.summary,
      description: TUS_DESCRIPTION,
      params: uploadParams,
      room: ({ params }) => params.roomCode,
      response: null,
      rawResponses: op.answers,
      errors: mergeErrorResponses(TUS_ERRORS, { 404: refusal('没有这个上传', 'UPLOAD_NOT_FOUND') }),
      handler: ({ koa, params }) => {
        checkUpload(params);
        return handle(koa);
      },
    });
  }
  api.route({
    method: 'post',
    path: '/rooms/:roomCode/sessions/:sessionNo/results/:uploadId/accept',
    operationId: 'acceptResultUpload',
    summary: '对已传完但未得到回执的上传再次请求确认（例如考点在确认前重启）',
    params: uploadParams,
    room: ({ params }) => params.roomCode,
    response: null,
    rawResponses: [RECEIPT_RESPONSE],
    errors: mergeErrorResponses(RESULT_INTAKE_ERRORS, { 404: refusal('没有这个已传完的上传', 'UPLOAD_NOT_COMPLETE', 'UPLOAD_NOT_FOUND') }),
    handler: async ({ koa, params }) => {
      checkUpload(params);
      koa.body = await accept(params.uploadId);
    },
  });
}
