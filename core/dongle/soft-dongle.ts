import { createHmac, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { decodeBase64Strict } from '../crypto/encoding';
import { writeFileDurably } from '../files/write-durably';
import { generateSigningKeyPair, keyIdOf, signBytes, signingPublicKeyOf } from '../crypto/signing';
import { TrustError } from '../crypto/trust-error';
import { generateWrappingKeyPair, unwrapKeyWithPrivate, wrappingPublicKeyOf, type WrappedKey } from '../crypto/wrap';
import {
  DONGLE_DERIVE_PREFIX,
  checkCentreTime,
  checkChallenge,
  defaultMonotonic,
  dongleSignedMessage,
  labelBytes,
  type Dongle,
  type MonotonicSource,
  type TrustedClockReading,
} from './dongle';

export const SOFT_DONGLE_FILE = 'soft-dongle.json';

/** On-disk form of the software dongle's keys (mode 0600). */
interface SoftDongleFile {
  v: 1;
  kind: 'soft-dongle';
  createdAt: string;
  signingPrivateKeyPem: string;
  wrappingPrivateKeyPem: string;
  /** base64, 32 bytes: HMAC key of deriveKey(). */
  deriveSecret: string;
}

interface SoftKeys {
  readonly signingPem: string;
  readonly wrappingPem: string;
  readonly secret: Buffer;
  readonly signing: string;
  readonly wrapping: string;
}

/**
 * The software dongle, for development and mock exams only. Keys live in a file; the clock
 * lives in memory on a monotonic source, so it forgets its calibration on restart (like a
 * dongle without a battery) and never follows changes of the PC clock.
 */
export class SoftDongle implements Dongle {
  readonly kind = 'soft' as const;
  private calibration: { centreMs: number; monoMs: number } | null = null;
  private closed = false;

  private constructor(
    private readonly keys: SoftKeys,
    private readonly dongleId: string,
    readonly monotonic: MonotonicSource,
  ) {}

  /** Loads `<dataDir>/soft-dongle.json`, creating it (atomically, mode 0600) on first use. */
  static async open(dataDir: string, options: { monotonic?: MonotonicSource } = {}): Promise<SoftDongle> {
    const file = join(dataDir, SOFT_DONGLE_FILE);
    const keys = (await readKeys(file)) ?? (await createKeys(file));
    const id = `SOFT-${keyIdOf(keys.signing).slice(0, 8).toUpperCase()}`;
    return new SoftDongle(keys, id, options.monotonic ?? defaultMonotonic);
  }

  id(): string {
    return this.dongleId;
  }

  present(): boolean {
    return !this.closed;
  }

  /** Marks the dongle gone (service stop); later calls reject with 'DONGLE_IO'. */
  close(): void {
    this.closed = true;
  }

  publicKeys(): { signing: string; wrapping: string } {
    return { signing: this.keys.signing, wrapping: this.keys.wrapping };
  }

  async readClock(): Promise<TrustedClockReading | null> {
    this.assertOpen();
    if (!this.calibration) return null;
    const since = Math.max(0, Math.round(this.monotonic() - this.calibration.monoMs));
    return { timeMs: this.calibration.centreMs + since, sinceCalibrationMs: since };
  }

  async calibrate(centreTimeMs: number): Promise<void> {
    this.assertOpen();
    checkCentreTime(centreTimeMs);
    this.calibration = { centreMs: centreTimeMs, monoMs: this.monotonic() };
  }

  async sign(challenge: Buffer): Promise<Buffer> {
    this.assertOpen();
    checkChallenge(challenge);
    return signBytes(dongleSignedMessage(challenge), this.keys.signingPem);
  }

  async deriveKey(label: string): Promise<Buffer> {
    this.assertOpen();
    return createHmac('sha256', this.keys.secret).update(Buffer.concat([DONGLE_DERIVE_PREFIX, labelBytes(label)])).digest();
  }

  async unwrapKey(wrapped: WrappedKey, aad: Buffer): Promise<Buffer> {
    this.assertOpen();
    return unwrapKeyWithPrivate(wrapped, this.keys.wrappingPem, aad);
  }

  private assertOpen(): void {
    if (this.closed) throw new TrustError('DONGLE_IO', '模拟机考锁已停用，请重新启动系统');
  }
}

async function readKeys(file: string): Promise<SoftKeys | null> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new TrustError('DONGLE_SOFT_CORRUPT', `无法读取模拟机考锁文件 ${file}：${(e as Error).message}；请检查文件权限`, { cause: e });
  }
  try {
    const raw = JSON.parse(text) as Partial<SoftDongleFile>;
    const secret = decodeBase64Strict(raw.deriveSecret);
    if (raw.v !== 1 || raw.kind !== 'soft-dongle' || !secret || secret.length !== 32 ||
        typeof raw.signingPrivateKeyPem !== 'string' || typeof raw.wrappingPrivateKeyPem !== 'string') {
      throw new Error('字段缺失或格式不符');
    }
    return toKeys(raw.signingPrivateKeyPem, raw.wrappingPrivateKeyPem, secret);
  } catch (e) {
    throw new TrustError(
      'DONGLE_SOFT_CORRUPT',
      `模拟机考锁文件 ${file} 已损坏（${(e as Error).message}）；请删除该文件后重新启动，系统会生成新的模拟机考锁（需重新导出考点信息）`,
      { cause: e },
    );
  }
}

async function createKeys(file: string): Promise<SoftKeys> {
  const signing = generateSigningKeyPair();
  const wrapping = generateWrappingKeyPair();
  const secret = randomBytes(32);
  const body: SoftDongleFile = {
    v: 1,
    kind: 'soft-dongle',
    createdAt: new Date().toISOString(),
    signingPrivateKeyPem: signing.privateKeyPem,
    wrappingPrivateKeyPem: wrapping.privateKeyPem,
    deriveSecret: secret.toString('base64'),
  };
  await writeFileDurably(file, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600 });
  return toKeys(signing.privateKeyPem, wrapping.privateKeyPem, secret);
}

function toKeys(signingPem: string, wrappingPem: string, secret: Buffer): SoftKeys {
  return {
    signingPem,
    wrappingPem,
    secret,
    signing: signingPublicKeyOf(signingPem),
    wrapping: wrappingPublicKeyOf(wrappingPem),
  };
}
