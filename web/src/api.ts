// HTTP helpers shared by the shell and plugins' web code.
// Every call is same-origin with the session cookie; errors become ApiError with the
// server's Chinese message, so the UI never needs to show anything technical.

/** The step a "请先…" refusal names (error.goTo, core/http/guidance.ts). */
export interface GoTo {
  area: 'before' | 'during' | 'after';
  step?: number;
  label: string;
  /** The place on that page to show (an element's data-anchor). */
  anchor?: string;
}

/** A goTo as the server sent it, or null when it is not one. */
export function readGoTo(value: unknown): GoTo | null {
  const v = value as Partial<GoTo> | null;
  if (!v || typeof v !== 'object' || typeof v.label !== 'string') return null;
  if (v.area !== 'before' && v.area !== 'during' && v.area !== 'after') return null;
  if (v.step !== undefined && !(Number.isInteger(v.step) && v.step >= 1 && v.step <= 5)) return null;
  const anchor = typeof v.anchor === 'string' && /^[a-z][a-z0-9-]{1,40}$/.test(v.anchor) ? v.anchor : undefined;
  return { area: v.area, label: v.label, ...(v.step !== undefined ? { step: v.step } : {}), ...(anchor ? { anchor } : {}) };
}

/** An error answered by the server (or a network failure), with a Chinese message for the user. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  /** The step to do first, when the server named one. */
  readonly goTo: GoTo | null;
  constructor(status: number, code: string, message: string, goTo: GoTo | null = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.goTo = goTo;
  }
}

type UnauthorizedHandler = () => void;
let unauthorizedHandler: UnauthorizedHandler | null = null;

/** The shell registers what to do when the session is gone (go to the login page). */
export function setUnauthorizedHandler(handler: UnauthorizedHandler | null): void {
  unauthorizedHandler = handler;
}

/** Paths whose 401 means "wrong credentials", not "session expired". */
const NO_REDIRECT_ON_401 = ['/api/auth/login', '/api/auth/password'];

const STATUS_MESSAGES: Record<number, string> = {
  400: '请求内容有误，请检查后重试。',
  401: '登录已失效，请重新登录。',
  403: '没有权限执行此操作。',
  404: '请求的功能不存在，请确认相关插件已安装。',
  409: '操作与当前状态冲突，请刷新后重试。',
  413: '文件过大，无法上传。',
  429: '操作过于频繁，请稍后再试。',
  500: '服务器内部错误，请稍后重试或联系技术支持。',
  502: '服务器暂时无法访问，请稍后重试。',
  503: '服务暂时不可用，请稍后重试。',
};

function fallbackMessage(status: number): string {
  return STATUS_MESSAGES[status] ?? `操作失败（状态码 ${status}），请稍后重试。`;
}

async function toApiError(res: Response): Promise<ApiError> {
  let code = `HTTP_${res.status}`;
  let message = fallbackMessage(res.status);
  let goTo: GoTo | null = null;
  try {
    const text = await res.text();
    if (text) {
      const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; goTo?: unknown } };
      if (body && typeof body === 'object' && body.error) {
        if (typeof body.error.code === 'string') code = body.error.code;
        if (typeof body.error.message === 'string' && body.error.message.trim()) message = body.error.message;
        goTo = readGoTo(body.error.goTo);
      }
    }
  } catch {
    // Not JSON (proxy page, HTML error): keep the calm Chinese fallback.
  }
  return new ApiError(res.status, code, message, goTo);
}

async function request<T>(method: string, path: string, body?: BodyInit, headers?: Record<string, string>): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: { Accept: 'application/json', ...headers },
      body,
    });
  } catch {
    throw new ApiError(0, 'NETWORK', '无法连接考点管理系统服务，请确认服务已启动。');
  }
  if (!res.ok) {
    const err = await toApiError(res);
    if (res.status === 401 && !NO_REDIRECT_ON_401.includes(path) && unauthorizedHandler) unauthorizedHandler();
    throw err;
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  if (!text) return undefined as T;
  const type = res.headers.get('content-type') ?? '';
  if (type.includes('json')) {
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiError(res.status, 'BAD_RESPONSE', '服务器返回的数据无法识别，请稍后重试。');
    }
  }
  return text as T;
}

function jsonBody(body: unknown): [BodyInit | undefined, Record<string, string>] {
  if (body === undefined) return [undefined, {}];
  return [JSON.stringify(body), { 'Content-Type': 'application/json' }];
}

export function apiGet<T>(path: string): Promise<T> {
  return request<T>('GET', path);
}

export function apiPost<T = unknown>(path: string, body?: unknown): Promise<T> {
  const [b, h] = jsonBody(body);
  return request<T>('POST', path, b, h);
}

export function apiPut<T = unknown>(path: string, body?: unknown): Promise<T> {
  const [b, h] = jsonBody(body);
  return request<T>('PUT', path, b, h);
}

export function apiDelete<T = unknown>(path: string): Promise<T> {
  return request<T>('DELETE', path);
}

/** Raw-body upload (e.g. a .zip or .PTQ file); contentType defaults to the file's own type. */
export function apiUpload<T = unknown>(path: string, file: File | Blob, contentType?: string): Promise<T> {
  const type = contentType || file.type || 'application/octet-stream';
  const headers: Record<string, string> = { 'Content-Type': type };
  if (file instanceof File && file.name) headers['X-File-Name'] = encodeURIComponent(file.name);
  return request<T>('POST', path, file, headers);
}

/** The Chinese message to show for any thrown value (never a stack trace). */
export function errorMessage(err: unknown, fallback = '操作失败，请稍后重试。'): string {
  if (err instanceof ApiError) return err.message;
  return fallback;
}

/** The API helpers handed to vendor plugins through the host. */
export const api = { apiGet, apiPost, apiPut, apiDelete, apiUpload, ApiError, errorMessage };
export type ApiHelpers = typeof api;
