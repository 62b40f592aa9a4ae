import { createHash } from 'node:crypto';
import type { DongleService } from '../../../core/dongle/dongle-service';
import type { ExamMode } from '../../../core/settings/site-settings';
import type { ResultReceipt, ResultReceiptBody } from '../api';

/**
 * Signs receipts with the site's dongle: the signature covers SHA-256 of the exact
 * payload bytes (the dongle signs challenges, domain-separated by DONGLE_SIGN_PREFIX).
 */
export class ReceiptSigner {
  constructor(private readonly dongles: DongleService) {}

  async sign(body: ResultReceiptBody, mode: ExamMode): Promise<ResultReceipt> {
    const dongle = this.dongles.assertUsableFor(mode);
    const bytes = Buffer.from(JSON.stringify(body), 'utf8');
    const sig = await dongle.sign(createHash('sha256').update(bytes).digest());
    return { v: 1, payload: bytes.toString('base64'), dongleId: dongle.id(), signingPublicKey: dongle.publicKeys().signing, sig: sig.toString('base64'), body };
  }
}
