import http from 'node:http';

export interface RawResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  readonly json: unknown;
}

export interface RawRequest {
  readonly url: string;
  readonly method?: string;
  /** Sent as given, including `host` (fetch does not let a test forge the Host header). */
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
}

/** One HTTP request through node:http, for what fetch will not send (a foreign Host header). */
export function rawRequest(request: RawRequest): Promise<RawResponse> {
  const url = new URL(request.url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, method: request.method ?? 'GET', headers: request.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', reject);
    req.end(request.body);
  });
}
