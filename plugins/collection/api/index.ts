import { createExtensionPoint, createServiceRef } from '../../../core/kernel/refs';
import type { ResultManifest } from './result-package-format';

/**
 * Public API of the 数据回收 stage (R8, issue 12): what the FTP server, other plugins and
 * vendors may use. The package and receipt formats are in docs/formats.md.
 */

export type IntakeChannel = 'http' | 'ftp' | 'manual';

/** What the proctor declared before sending the package: the whole file's size and SHA-256. */
export interface DeclaredPackage {
  readonly size: number;
  readonly sha256: string;
}

/** What the site signed when it accepted a package; the proctor keeps it. */
export interface ResultReceiptBody {
  readonly v: 1;
  readonly kind: 'examsite.result-receipt';
  readonly siteCode: string;
  readonly mode: 'formal' | 'mock';
  readonly roomCode: string;
  readonly sessionNo: number;
  readonly packageSha256: string;
  readonly packageSize: number;
  readonly acceptedAt: string;
  readonly via: IntakeChannel;
}

/**
 * The receipt: `payload` is base64 of the exact JSON bytes of a ResultReceiptBody; `sig`
 * is the site dongle's Ed25519 signature over SHA-256(payload bytes) (core/dongle
 * dongleSignedMessage), checkable with `signingPublicKey`.
 */
export interface ResultReceipt {
  readonly v: 1;
  readonly payload: string;
  readonly dongleId: string;
  readonly signingPublicKey: string;
  readonly sig: string;
  readonly body: ResultReceiptBody;
}

/** Whether acceptFile stored a new result or found the very same package already stored. */
export interface IntakeOutcome {
  readonly receipt: ResultReceipt;
  readonly duplicate: boolean;
}

/**
 * The one acceptance path for result packages, whatever carried them (HTTP/tus, FTP, 手动回收).
 * `filePath` must be a complete file inside the collection plugin's folder (a finished
 * durable sink); on acceptance it is moved into place, on refusal it is left as it was.
 * Throws an AppError with a Chinese message on refusal (nothing changed) and a 409
 * `RESULT_CONFLICT` when a different package for an already collected room and session
 * was kept aside for the administrator.
 */
export interface ResultIntakeService {
  acceptFile(roomCode: string, sessionNo: number, filePath: string, declared: DeclaredPackage, via: IntakeChannel, proof?: DeclaredProof): Promise<IntakeOutcome>;
}

/**
 * How the caller knows the file is the declared one. 'hashed-while-written': a core durable
 * sink (complete) or `receiveWhole` hashed exactly these bytes as it wrote and fsynced them,
 * so the intake checks the size and does not read the whole file once more (it still reads
 * every entry to check the manifest's hashes). 'unchecked' (default): the intake hashes it.
 */
export type DeclaredProof = 'hashed-while-written' | 'unchecked';

/** A vendor check beyond the built-in ones; throw an Error with a Chinese message to refuse. */
export interface ResultPackageValidator {
  readonly id: string;
  validate(manifest: ResultManifest, context: { readonly roomCode: string; readonly sessionNo: number }): Promise<void> | void;
}

export const resultIntakeRef = createServiceRef<ResultIntakeService>('collection.intake', '结果数据包的接收与校验（HTTP、FTP、手动回收共用）');
export const collectionValidatorsPoint = createExtensionPoint<ResultPackageValidator>('collection.validators', '结果数据包的附加校验（证书专用）');

export { collectionChangedTopic } from './contract';
