import { CENTRE_ERROR_CODES } from '../centre/centre-error';
import type { TrustErrorCode } from '../crypto/trust-error';
import { mergeErrorResponses, type ErrorResponses, type ErrorResponseSpec } from './route';

/**
 * Error lists that several routes share, written once: what a refused trust decision, a
 * centre call or a disk write can answer. Routes merge them into their own `errors`.
 */

/** One documented status: `{ 409: refusal('考点代码尚未设置', 'SITE_CODE_MISSING') }`. */
export function refusal(description: string, ...codes: string[]): ErrorResponseSpec {
  return { description, codes };
}

/** Refused trust decisions are the caller's problem (400/403); a missing or failing dongle is 503. */
export function trustErrorStatus(code: string): number {
  if (code === 'DONGLE_ABSENT' || code === 'DONGLE_IO') return 503;
  if (code === 'DONGLE_SOFT_FORMAL' || code === 'DONGLE_REFUSED') return 403;
  return 400;
}

/** The statuses the error middleware gives these TrustError codes (core/http/app.ts). */
export function trustErrors(...codes: TrustErrorCode[]): ErrorResponses {
  const lists = codes.map((code): ErrorResponses => {
    const status = trustErrorStatus(code);
    const description = status === 503 ? '机考锁不可用' : status === 403 ? '机考锁不能用于此操作' : '签名、令牌或机考锁校验未通过';
    return { [status]: refusal(description, code) };
  });
  return mergeErrorResponses(...lists);
}

/** What a call to the centre can answer (core/centre/http-centre-client.ts). */
export const CENTRE_CALL_ERRORS: ErrorResponses = {
  400: refusal('发给监控平台的请求无效', 'CENTRE_REQUEST_INVALID'),
  404: refusal('监控平台上没有所请求的数据', 'CENTRE_NOT_FOUND'),
  409: refusal('监控平台拒绝了请求', 'CENTRE_REFUSED'),
  502: refusal(
    '监控平台无法连接或应答无效',
    ...CENTRE_ERROR_CODES.filter((c) => !['CENTRE_REQUEST_INVALID', 'CENTRE_NOT_FOUND', 'CENTRE_REFUSED', 'CENTRE_NOT_CONFIGURED', 'CENTRE_TIMEOUT'].includes(c)),
  ),
  503: refusal('未配置监控平台地址', 'CENTRE_NOT_CONFIGURED'),
  504: refusal('监控平台应答超时', 'CENTRE_TIMEOUT'),
};

/** Writing a file on the site PC (core/files/file-errors.ts). */
export const DISK_WRITE_ERRORS: ErrorResponses = {
  500: refusal('文件无法写入', 'FILE_WRITE_FAILED'),
  507: refusal('考点机磁盘空间不足', 'DISK_FULL'),
};

/** The admin guard's dongle precondition and the dongle itself (DongleService). */
export const DONGLE_ERRORS: ErrorResponses = trustErrors('DONGLE_ABSENT', 'DONGLE_IO', 'DONGLE_SOFT_FORMAL', 'DONGLE_REFUSED');
