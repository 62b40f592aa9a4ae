import { createHash } from 'node:crypto';
import { decodeBase64Strict } from '../crypto/encoding';
import { verifyDongleSignature, type Dongle } from './dongle';

/**
 * A JSON document signed by the site's dongle (receipts, exports for the centre): `payload`
 * is base64 of the exact JSON bytes; `sig` the dongle's Ed25519 signature over SHA-256 of
 * those bytes (domain-separated by DONGLE_SIGN_PREFIX), checkable with `signingPublicKey`.
 */
export interface DongleSignedDocument {
  readonly v: 1;
  readonly payload: string;
  readonly dongleId: string;
  readonly signingPublicKey: string;
  readonly sig: string;
}

export async function signWithDongle(dongle: Dongle, body: unknown): Promise<DongleSignedDocument> {
  const bytes = Buffer.from(JSON.stringify(body), 'utf8');
  const sig = await dongle.sign(createHash('sha256').update(bytes).digest());
  return { v: 1, payload: bytes.toString('base64'), dongleId: dongle.id(), signingPublicKey: dongle.publicKeys().signing, sig: sig.toString('base64') };
}

/** The centre's check (and tests'): the parsed payload when the signature holds for `signingPublicKey`, else null. */
export function openDongleSignedDocument(doc: DongleSignedDocument, signingPublicKey: string): unknown {
  const bytes = decodeBase64Strict(doc.payload);
  const sig = decodeBase64Strict(doc.sig);
  if (!bytes || !sig) return null;
  if (!verifyDongleSignature(createHash('sha256').update(bytes).digest(), sig, signingPublicKey)) return null;
  return JSON.parse(bytes.toString('utf8')) as unknown;
}
