import { ResponseContract } from './response-contract';

/**
 * Small JSON client for tests, keeping the admin token. It sends `Origin: <baseUrl>` like
 * the admin UI's own page does: the site boundary refuses admin state changes that do not
 * say they come from the admin UI's origin (core/http/site-boundary.ts).
 *
 * Every answer of a documented operation is checked against the server's own OpenAPI
 * document (core/testing/response-contract.ts): a status, media type or JSON body the
 * document does not describe fails the request with a readable message.
 */
export interface TestResponse<T = unknown> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

/** One request as the client sends it: the path starts with `/`. */
export interface TransportRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Uint8Array | string;
}

export interface TransportResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

/** Carries a request to the server: over the network (fetch) or in process (test kernel). */
export type HttpTransport = (request: TransportRequest) => Promise<TransportResponse>;

/** The network transport: fetch against a listening server's base URL. */
export function fetchTransport(baseUrl: string): HttpTransport {
  return async ({ method, path, headers, body }) => {
    const res = await fetch(baseUrl + path, { method, headers, body });
    return { status: res.status, headers: res.headers, text: await res.text() };
  };
}

const OPENAPI_PATH = '/api/openapi.json';

/** A real answer the OpenAPI document does not describe (fix the document or the handler). */
export class ResponseContractError extends Error {
  override name = 'ResponseContractError';
}

export class TestClient {
  token: string | null = null;
  private readonly transport: HttpTransport;
  /** Sent as `Origin`: the site boundary takes admin state changes only from the UI's own origin. */
  private readonly origin: string;
  private contract: Promise<ResponseContract | null> | null = null;

  /** `target`: a listening server's base URL, or a transport (core/testing/test-kernel.ts, Host 127.0.0.1). */
  constructor(target: string | HttpTransport) {
    this.transport = typeof target === 'string' ? fetchTransport(target) : target;
    this.origin = typeof target === 'string' ? new URL(target).origin : 'http://127.0.0.1';
  }

  async request<T = unknown>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<TestResponse<T>> {
    const h: Record<string, string> = { origin: this.origin, ...headers };
    if (this.token) h.authorization = `Bearer ${this.token}`;
    let payload: Uint8Array | string | undefined;
    if (Buffer.isBuffer(body)) {
      payload = new Uint8Array(body);
      h['content-type'] ??= 'application/octet-stream';
    } else if (body !== undefined) {
      payload = JSON.stringify(body);
      h['content-type'] = 'application/json';
    }
    const res = await this.transport({ method, path, headers: h, body: payload });
    await this.assertDocumented(method, path, res);
    let parsed: unknown = res.text;
    try {
      parsed = res.text ? JSON.parse(res.text) : undefined;
    } catch {
      // non-JSON body stays text
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  }

  /** The served document, read once through the same transport (null when the site serves none). */
  private served(): Promise<ResponseContract | null> {
    this.contract ??= this.transport({ method: 'GET', path: OPENAPI_PATH, headers: { origin: this.origin } }).then(
      (r) => (r.status === 200 ? ResponseContract.forDocumentText(r.text) : null),
      () => {
        // Site not reachable (stopped, restarting): ask again next time.
        this.contract = null;
        return null;
      },
    );
    return this.contract;
  }

  private async assertDocumented(method: string, path: string, res: TransportResponse): Promise<void> {
    if (!path.startsWith('/api/') || path.startsWith(OPENAPI_PATH) || method === 'HEAD') return;
    const contract = await this.served();
    const mismatch = contract?.check(method, path, res.status, res.headers.get('content-type'), res.text) ?? null;
    if (mismatch) throw new ResponseContractError(mismatch);
  }

  get<T = unknown>(path: string): Promise<TestResponse<T>> {
    return this.request<T>('GET', path);
  }
  post<T = unknown>(path: string, body?: unknown, headers?: Record<string, string>): Promise<TestResponse<T>> {
    return this.request<T>('POST', path, body, headers);
  }
  put<T = unknown>(path: string, body?: unknown): Promise<TestResponse<T>> {
    return this.request<T>('PUT', path, body);
  }
  delete<T = unknown>(path: string): Promise<TestResponse<T>> {
    return this.request<T>('DELETE', path);
  }

  async login(username = 'admin', password = '888'): Promise<void> {
    const r = await this.post<{ token: string }>('/api/auth/login', { username, password });
    if (r.status !== 200) throw new Error(`login failed: ${r.status} ${JSON.stringify(r.body)}`);
    this.token = r.body.token;
  }
}
