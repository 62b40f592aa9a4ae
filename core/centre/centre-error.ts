/**
 * Anything that went wrong talking to the monitoring platform (监控平台). The message is
 * Chinese and says what to do; `code` is stable for callers (retry or not, show a manual
 * import dialog, …). The HTTP layer maps it to `httpStatus` like every user-facing error.
 */
export const CENTRE_ERROR_CODES = [
  /** No centre URL configured: work offline (manual import). */
  'CENTRE_NOT_CONFIGURED',
  /** Connection refused/reset, DNS, socket closed before a reply. */
  'CENTRE_UNREACHABLE',
  'CENTRE_TIMEOUT',
  /** The centre answered 5xx (or 503 "down for maintenance"). */
  'CENTRE_SERVER_ERROR',
  /** Reply cut short, not the promised size or hash, or not the documented shape. */
  'CENTRE_BAD_REPLY',
  /** Reply larger than the cap for its kind. */
  'CENTRE_REPLY_TOO_LARGE',
  /** The centre refused the request (4xx) with its own reason. */
  'CENTRE_REFUSED',
  /** The centre has no such thing (404): nothing published yet, unknown session, … */
  'CENTRE_NOT_FOUND',
  /** The site cannot make the request (no site code, bad local file, …). */
  'CENTRE_REQUEST_INVALID',
  /** The caller cancelled (e.g. the admin stopped an upload). */
  'CENTRE_ABORTED',
] as const;

export type CentreErrorCode = (typeof CENTRE_ERROR_CODES)[number];

export class CentreError extends Error {
  /** The centre's own error code of a refusal (its body's error.code), when it gave one. */
  readonly centreCode: string | undefined;
  /** Marks the message as safe to show to the user (core/http/errors.ts). */
  readonly userFacing = true;

  constructor(
    readonly code: CentreErrorCode,
    message: string,
    readonly httpStatus: number = 502,
    options?: { cause?: unknown; centreCode?: string },
  ) {
    super(message, options);
    this.name = 'CentreError';
    this.centreCode = options?.centreCode;
  }

  /** Transport-level trouble: worth retrying later, and a sign the centre is not reachable. */
  get transient(): boolean {
    return (
      this.code === 'CENTRE_UNREACHABLE' ||
      this.code === 'CENTRE_TIMEOUT' ||
      this.code === 'CENTRE_SERVER_ERROR' ||
      this.code === 'CENTRE_BAD_REPLY' ||
      this.code === 'CENTRE_NOT_CONFIGURED'
    );
  }
}

export function isCentreError(e: unknown, code?: CentreErrorCode): e is CentreError {
  return e instanceof CentreError && (code === undefined || e.code === code);
}

export const CENTRE_MESSAGES = {
  notConfigured: '本考点未设置监控平台地址，不能在线获取；请使用手工导入。如本考点应当联网，请联系技术人员在考点服务器数据目录的配置文件 examsite.config.json 中填写监控平台地址后重新启动',
  unreachable: '无法连接监控平台，请检查网络连接后重试；如网络长时间不通，可使用手工导入',
  timeout: '连接监控平台超时，请检查网络后重试',
  serverError: '监控平台暂时无法处理请求，请稍后重试',
  incomplete: '监控平台返回的数据不完整，请稍后重试',
  tooLarge: '监控平台返回的数据超过大小上限，已停止接收；请联系监控平台核实',
  badShape: '监控平台返回的数据不完整或格式不符合约定，请稍后重试',
  aborted: '与监控平台的通信已取消',
} as const;
