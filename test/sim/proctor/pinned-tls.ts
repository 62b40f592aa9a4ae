import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { normalizeFingerprint256 } from '../../../core/net/site-certificate';

/**
 * Certificate pinning of the reference proctor client (issue 15 point 4, docs/proctor-protocol.md
 * "TLS"): the site's certificate is its own, so no authority vouches for it; the client knows
 * its SHA-256 fingerprint from the 导出考点信息 sheet (or its QR code) and talks to a site that
 * shows exactly that certificate, and to no other. Nothing is sent before the check: the
 * agent hands a socket to a request only once the handshake showed the pinned certificate.
 */
export class CertificatePinError extends Error {
  override name = 'CertificatePinError';
  constructor(
    readonly expected: string,
    readonly presented: string,
  ) {
    super(
      `考点证书与考点信息单上的证书指纹不一致，已拒绝连接（可能有其他电脑冒充考点）：应为 ${expected}，收到 ${presented}。` +
        '请向考点管理员核对考点信息单上的证书指纹；考点确实更换了证书时，用新的指纹（--pin）重新注册',
    );
  }
}

/** `--pin` as typed → the canonical fingerprint, or a clear refusal. */
export function parsePin(text: string): string {
  const pin = normalizeFingerprint256(text);
  if (!pin) throw new Error(`证书指纹“${text}”格式不正确：应为考点信息单上的 64 位十六进制 SHA-256 指纹（可带冒号）`);
  return pin;
}

type CreateConnectionCallback = (err: Error | null, socket: Duplex) => void;

/** An https.Agent whose connections show the pinned certificate before any request is written on them. */
export class PinnedAgent extends https.Agent {
  /** The pinned certificate as the site showed it (PEM), once a connection was made. */
  private shownPem: string | null = null;

  constructor(readonly pin: string) {
    super({ keepAlive: false });
  }

  /**
   * TLS options for the site's other services (FTP's AUTH TLS): the certificate this agent
   * already pinned is the only trust anchor, and the fingerprint is checked again.
   */
  tlsOptionsForOtherServices(): tls.ConnectionOptions {
    if (!this.shownPem) throw new Error('尚未与考点建立加密连接，无法核对证书');
    return {
      ca: this.shownPem,
      // The site's address may change (DHCP); the pin, not the name, identifies the site.
      checkServerIdentity: (_host, cert) => (cert.fingerprint256 === this.pin ? undefined : new CertificatePinError(this.pin, cert.fingerprint256)),
    };
  }

  override createConnection(options: tls.ConnectionOptions, callback?: CreateConnectionCallback): Duplex | null | undefined {
    const host = options.host ?? 'localhost';
    const socket = tls.connect({
      host,
      port: options.port,
      // A self-made certificate fails the usual chain check; the fingerprint below replaces it.
      rejectUnauthorized: false,
      ...(net.isIP(host) ? {} : { servername: host }),
      ALPNProtocols: ['http/1.1'],
    });
    const fail = (e: Error): void => {
      socket.destroy();
      callback?.(e, socket);
    };
    socket.once('error', fail);
    socket.once('secureConnect', () => {
      socket.removeListener('error', fail);
      const presented = socket.getPeerCertificate().fingerprint256 ?? '';
      if (presented !== this.pin) return fail(new CertificatePinError(this.pin, presented || '（无证书）'));
      this.shownPem = socket.getPeerX509Certificate()?.toString() ?? null;
      callback?.(null, socket);
    });
    return undefined;
  }
}

/** The fetch the ProctorClient uses over a pinned agent (global fetch cannot be given one). */
export function pinnedFetch(agent: PinnedAgent): (input: string, init: RequestInit) => Promise<Response> {
  return (input, init) =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(input);
      if (url.protocol !== 'https:') return reject(new Error(`指定了证书指纹时考点地址应为 https://（收到 ${url.protocol}//）`));
      const body = init.body;
      if (body !== undefined && body !== null && typeof body !== 'string' && !(body instanceof Uint8Array)) {
        return reject(new Error('pinnedFetch 只发送文本或字节内容'));
      }
      const headers = Object.fromEntries(new Headers(init.headers).entries());
      const req = https.request(url, { method: init.method ?? 'GET', headers, agent, signal: init.signal ?? undefined }, (res: http.IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const responseHeaders = new Headers();
          for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) responseHeaders.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
          const noBody = status === 204 || status === 304 || init.method === 'HEAD';
          resolve(new Response(noBody ? null : Buffer.concat(chunks), { status, statusText: res.statusMessage ?? '', headers: responseHeaders }));
        });
      });
      req.on('error', reject);
      req.end(body ?? undefined);
    });
}
