import type { ZodType } from 'zod';
import type { SignedEnvelope } from '../crypto/signing';
import { CentreError } from './centre-error';

/** A file the centre sent: its bytes, checked against the declared X-Content-SHA256. */
export interface CentreFile {
  readonly bytes: Buffer;
  readonly sha256: string;
  /** A reply header (lower-case name), e.g. an informative release time; null when absent. */
  header(name: string): string | null;
}

/** A signed reply: the envelope as it came (to keep or re-check) and its checked payload. */
export interface CentreSigned<P> {
  readonly envelope: SignedEnvelope;
  readonly payload: P;
}

/** How the transport reads a reply; `O` is what `call` resolves to. */
export type CentreReply<O> =
  | { readonly kind: 'json'; readonly parse: (body: unknown) => O }
  | { readonly kind: 'signed'; readonly parse: (envelope: SignedEnvelope, payload: Record<string, unknown>) => O }
  | { readonly kind: 'file'; readonly maxBytes?: number; readonly parse: (file: CentreFile) => O };

function badShape(what: string): CentreError {
  return new CentreError('CENTRE_BAD_REPLY', `监控平台返回的${what}格式不符合约定，请稍后重试或联系监控平台`);
}

/** Reply readers: plain JSON, a signed envelope (checked against the pinned keys), a file. */
export const centreReply = {
  json<T>(schema: ZodType<T>, what: string): CentreReply<T> {
    return {
      kind: 'json',
      parse: (body) => {
        const parsed = schema.safeParse(body);
        if (!parsed.success) throw badShape(what);
        return parsed.data;
      },
    };
  },
  /** `payload` may be a zod schema or a parser of its own (which throws TrustError/CentreError). */
  signed<P>(payload: ZodType<P> | ((raw: Record<string, unknown>) => P), what: string): CentreReply<CentreSigned<P>> {
    const read =
      typeof payload === 'function'
        ? payload
        : (raw: Record<string, unknown>): P => {
            const parsed = payload.safeParse(raw);
            if (!parsed.success) throw badShape(what);
            return parsed.data;
          };
    return { kind: 'signed', parse: (envelope, raw) => ({ envelope, payload: read(raw) }) };
  },
  /** `maxBytes` caps the reply (default: the transport's file cap, 16 MiB). */
  file(options: { maxBytes?: number } = {}): CentreReply<CentreFile> {
    return { kind: 'file', ...options, parse: (file) => file };
  },
};

/**
 * One typed request to the centre, declared by the plugin that uses it in its own api/
 * (a plugin's api/centre-endpoints.ts). The transport (CentreClient.call) validates
 * `input` with `request`, sends it, reads the reply with `reply` and runs `check`; it knows
 * no endpoint by name. docs/centre-protocol.md lists every endpoint with its owner.
 */
export interface CentreEndpoint<I, O> {
  /** `<owner>.<name>`, for logs and the fake centre's call records. */
  readonly id: string;
  /** What is asked for, in Chinese, for messages: e.g. "考务数据包". */
  readonly description: string;
  readonly method: 'GET' | 'POST';
  /** Path below the API prefix (/v1), built from the validated input. */
  path(input: I): string;
  readonly request: ZodType<I>;
  query?(input: I): Record<string, string>;
  /** A JSON body (POST). */
  body?(input: I): unknown;
  readonly reply: CentreReply<O>;
  /** Idempotent: transient failures are retried by the transport. */
  readonly retry: boolean;
  /** Cross-checks the reply against the request (e.g. a signed reply names this site). */
  check?(input: I, reply: O): void;
}

export type CentreEndpointInput<E> = E extends CentreEndpoint<infer I, unknown> ? I : never;
export type CentreEndpointReply<E> = E extends CentreEndpoint<unknown, infer O> ? O : never;

export function defineCentreEndpoint<I, O>(endpoint: CentreEndpoint<I, O>): CentreEndpoint<I, O> {
  if (!/^[a-z][a-z0-9-]*\.[a-z][a-z0-9.-]*$/.test(endpoint.id)) throw new Error(`centre endpoint id ${endpoint.id} must be <owner>.<name>`);
  return endpoint;
}

/** Validates an endpoint's input the same way in the real transport and the fake one. */
export function checkEndpointInput<I>(endpoint: CentreEndpoint<I, unknown>, input: unknown): I {
  const parsed = endpoint.request.safeParse(input);
  if (parsed.success) return parsed.data;
  const i = parsed.error.issues[0];
  const why = i ? `${i.path.map(String).join('.') || '(整体)'}：${i.message}` : '格式错误';
  throw new CentreError('CENTRE_REQUEST_INVALID', `${endpoint.description}请求无效：${why}`, 400);
}
