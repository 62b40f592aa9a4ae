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

export class TestClient {
  token: string | null = null;

  constructor(readonly baseUrl: string) {}

  async request<T = unknown>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<TestResponse<T>> {
    const h: Record<string, string> = { origin: new URL(this.baseUrl).origin, ...headers };
    if (this.token) h.authorization = `Bearer ${this.token}`;
    let payload: Uint8Array | string | undefined;
    if (Buffer.isBuffer(body)) {
      payload = new Uint8Array(body);
      h['content-type'] ??= 'application/octet-stream';
    } else if (body !== undefined) {
      payload = JSON.stringify(body);
      h['content-type'] = 'application/json';
    }
    const res = await fetch(this.baseUrl + path, { method, headers: h, body: payload });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
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
