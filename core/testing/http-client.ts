/**
 * Small JSON client for tests, keeping the admin token. It sends `Origin: <baseUrl>` like
 * the admin UI's own page does: the site boundary refuses admin state changes that do not
 * say they come from the admin UI's origin (core/http/site-boundary.ts).
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

export class TestClient {
  token: string | null = null;
  private readonly transport: HttpTransport;
  /** Sent as `Origin`: the site boundary takes admin state changes only from the UI's own origin. */
  private readonly origin: string;

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
    let parsed: unknown = res.text;
    try {
      parsed = res.text ? JSON.parse(res.text) : undefined;
    } catch {
      // non-JSON body stays text
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
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
