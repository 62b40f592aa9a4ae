import { signJson, type SignedEnvelope } from '../crypto/signing';
import { TrustError } from '../crypto/trust-error';

/** Payload of a centre time token (a SignedEnvelope). See docs/dongle.md. */
export interface TimeTokenPayload {
  readonly kind: 'time-token';
  readonly v: 1;
  /** Centre time, ISO 8601 with zone (e.g. 2025-06-01T08:00:00.000Z). */
  readonly time: string;
  readonly dongleId: string;
  /** Present for online calibration: echoes the site's request nonce. */
  readonly nonce?: string;
}

export interface TimeToken {
  readonly time: string;
  readonly timeMs: number;
  readonly dongleId: string;
  readonly nonce?: string;
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:\d{2})$/;

/** For the centre simulator and tests: a signed time token. */
export function createTimeToken(
  input: { time: Date | number | string; dongleId: string; nonce?: string },
  privateKeyPem: string,
): SignedEnvelope {
  const ms = input.time instanceof Date ? input.time.getTime() : typeof input.time === 'number' ? input.time : Date.parse(input.time);
  if (!Number.isFinite(ms)) throw new RangeError('createTimeToken: invalid time');
  const payload: TimeTokenPayload = {
    kind: 'time-token',
    v: 1,
    time: new Date(ms).toISOString(),
    dongleId: input.dongleId,
    ...(input.nonce !== undefined ? { nonce: input.nonce } : {}),
  };
  return signJson(payload, privateKeyPem);
}

/** Checks an opened (signature-verified) payload; throws TrustError 'TOKEN_INVALID'. */
export function parseTimeToken(payload: Record<string, unknown>): TimeToken {
  const bad = (what: string): TrustError =>
    new TrustError('TOKEN_INVALID', `这不是有效的机考锁校时文件（${what}）；请从监控平台获取校时文件`);
  if (payload.kind !== 'time-token') throw bad(`类型为 ${JSON.stringify(payload.kind ?? null)}，应为 time-token`);
  if (payload.v !== 1) throw bad('版本号不是 1');
  const { time, dongleId, nonce } = payload;
  if (typeof time !== 'string' || !ISO.test(time) || !Number.isFinite(Date.parse(time))) throw bad('时间格式错误');
  if (typeof dongleId !== 'string' || !/^[A-Za-z0-9-]{1,32}$/.test(dongleId)) throw bad('机考锁编号格式错误');
  if (nonce !== undefined && (typeof nonce !== 'string' || nonce.length === 0 || nonce.length > 128)) throw bad('nonce 格式错误');
  return { time, timeMs: Date.parse(time), dongleId, ...(nonce !== undefined ? { nonce } : {}) };
}
