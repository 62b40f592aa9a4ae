import { createHash } from 'node:crypto';
import { generateSigningKeyPair, signingPublicKeyOf } from '../../../core/crypto/signing';
import os from 'node:os';
import type { ProctorCredentials } from './credentials-file';
import { CertificatePinError, PinnedAgent, pinnedFetch } from './pinned-tls';
import {
  PROCTOR_API_PREFIX,
  type ErrorResponse,
  type RegisterRequest,
  type RegisterResponse,
  type RoomResponse,
  type WhoamiResponse,
} from './protocol-types';

export const PROCTOR_CLIENT_VERSION = '1.0.0';

/** An error answer of the site (or a network failure, status 0), with its Chinese message. */
export class ProctorApiError extends Error {
  override name = 'ProctorApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** From Retry-After on 429. */
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(message);
  }
}

/**
 * A stable id of this PC: hostname and MAC addresses, hashed (the same on every run, no
 * hardware serials sent over the LAN).
 */
export function defaultMachineId(): string {
  const macs = Object.values(os.networkInterfaces())
    .flatMap((l) => l ?? [])
    .filter((a) => !a.internal && a.mac && a.mac !== '00:00:00:00:00:00')
    .map((a) => a.mac)
    .sort();
  const digest = createHash('sha256').update(`${os.hostname()}|${macs.join(',')}`).digest('hex');
  return `pc-${digest.slice(0, 24)}`;
}

export interface ProctorClientOptions {
  readonly timeoutMs?: number;
  /** Called after register() with the new credentials (e.g. to save them). */
  readonly onCredentials?: (c: ProctorCredentials) => void | Promise<void>;
  /** Carries the requests; default the network. A plugin test passes its kernel's in-process fetch. */
  readonly fetch?: (input: string, init: RequestInit) => Promise<Response>;
  /**
   * The site certificate's SHA-256 fingerprint (canonical form, pinned-tls.ts parsePin), needed
   * for an https:// site: the client talks only to a site showing exactly that certificate.
   */
  readonly pin?: string;
}

export interface RegisterInput {
  readonly roomCode: string;
  readonly registrationCode: string;
  readonly machineId?: string;
  readonly clientVersion?: string;
}

/**
 * The reference client of the proctor LAN protocol v1 (R11.2). Later stages add their
 * calls on top of `call()` (session key, heartbeat, start/end, result upload).
 */
export class ProctorClient {
  private creds: ProctorCredentials | null;
  /** The pinned TLS connections of an https:// site (also for the tus uploads); null over plain HTTP. */
  readonly agent: PinnedAgent | null;
  private readonly transport: (input: string, init: RequestInit) => Promise<Response>;

  constructor(
    readonly siteUrl: string,
    credentials: ProctorCredentials | null = null,
    private readonly options: ProctorClientOptions = {},
  ) {
    this.siteUrl = siteUrl.replace(/\/+$/, '');
    this.creds = credentials;
    const pin = options.pin ?? credentials?.tlsFingerprint256;
    if (this.siteUrl.startsWith('https:') && !options.fetch) {
      if (!pin) {
        throw new ProctorApiError(0, 'TLS_PIN_MISSING', '使用 https:// 考点地址时须同时给出考点证书指纹（--pin，见考点信息单或二维码），否则无法确认连接的是本考点');
      }
      this.agent = new PinnedAgent(pin);
      this.transport = pinnedFetch(this.agent);
    } else {
      this.agent = null;
      this.transport = options.fetch ?? fetch;
    }
  }

  static fromCredentials(credentials: ProctorCredentials, options?: ProctorClientOptions): ProctorClient {
    return new ProctorClient(credentials.siteUrl, credentials, options);
  }

  /** A request to the site over this client's transport (pinned TLS for https://), as fetch answers. */
  async fetch(input: string, init: RequestInit): Promise<Response> {
    try {
      return await this.transport(input, init);
    } catch (e) {
      if (e instanceof CertificatePinError) throw new ProctorApiError(0, 'TLS_PIN_MISMATCH', e.message);
      throw new ProctorApiError(0, 'NETWORK', `无法连接考点 ${this.siteUrl}（${(e as Error).message}），请检查网络和考点地址`);
    }
  }

  get credentials(): ProctorCredentials | null {
    return this.creds;
  }

  /**
   * POST /register; keeps the credentials for later calls. Held credentials of the same room
   * go along as the bearer: the site re-registers a registered room only for its holder.
   */
  async register(input: RegisterInput): Promise<ProctorCredentials & { alreadyRegistered: boolean; registeredIp: string }> {
    // One key pair per PC, kept with the credentials; re-registering keeps it.
    const signingKey = this.creds?.signingPrivateKeyPem ?? generateSigningKeyPair().privateKeyPem;
    const body: RegisterRequest = {
      roomCode: input.roomCode,
      registrationCode: input.registrationCode,
      machineId: input.machineId ?? this.creds?.machineId ?? defaultMachineId(),
      clientVersion: input.clientVersion ?? PROCTOR_CLIENT_VERSION,
      signingPublicKey: signingPublicKeyOf(signingKey),
    };
    const holder = this.creds !== null && this.creds.roomCode === input.roomCode;
    const r = await this.send<RegisterResponse>('POST', '/register', body, holder);
    const creds: ProctorCredentials = {
      siteUrl: this.siteUrl,
      siteCode: r.siteCode,
      roomCode: r.roomCode,
      machineId: r.machineId,
      registrationId: r.registrationId,
      registeredAt: r.registeredAt,
      token: r.token,
      signingPrivateKeyPem: signingKey,
      ...(this.agent ? { tlsFingerprint256: this.agent.pin } : {}),
    };
    this.creds = creds;
    await this.options.onCredentials?.(creds);
    return { ...creds, alreadyRegistered: r.alreadyRegistered, registeredIp: r.registeredIp };
  }

  whoami(): Promise<WhoamiResponse> {
    return this.call<WhoamiResponse>('GET', '/whoami');
  }

  /** This room's sessions, candidates and seats. */
  room(): Promise<RoomResponse> {
    return this.call<RoomResponse>('GET', '/room');
  }

  /** A room by code; the site answers 403 for any room but this PC's own. */
  roomByCode(roomCode: string): Promise<RoomResponse> {
    return this.call<RoomResponse>('GET', `/rooms/${encodeURIComponent(roomCode)}`);
  }

  /** An authenticated JSON call under /api/proctor/v1 (path relative, e.g. `/heartbeat`). */
  call<T>(method: string, path: string, body?: unknown): Promise<T> {
    return this.send<T>(method, path, body, true);
  }

  /** The bearer header for calls a later stage makes itself (uploads, streams). */
  authHeader(): Record<string, string> {
    if (!this.creds) throw new ProctorApiError(0, 'NOT_REGISTERED', '本机尚未注册，请先执行 register');
    return { authorization: `Bearer ${this.creds.token}` };
  }

  url(path: string): string {
    return `${this.siteUrl}${PROCTOR_API_PREFIX}${path}`;
  }

  private async send<T>(method: string, path: string, body: unknown, authenticated: boolean): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json', ...(authenticated ? this.authHeader() : {}) };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await this.fetch(this.url(path), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 15_000),
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!res.ok) {
      const err = (parsed as Partial<ErrorResponse> | undefined)?.error;
      const retry = Number(res.headers.get('retry-after'));
      throw new ProctorApiError(
        res.status,
        typeof err?.code === 'string' ? err.code : `HTTP_${res.status}`,
        typeof err?.message === 'string' ? err.message : `考点返回错误（状态码 ${res.status}）`,
        Number.isFinite(retry) && retry > 0 ? retry : null,
      );
    }
    if (parsed === undefined && text) throw new ProctorApiError(res.status, 'BAD_RESPONSE', '考点返回的数据无法识别');
    return parsed as T;
  }
}
