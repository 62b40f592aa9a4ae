import type { DongleService } from '../../../core/dongle/dongle-service';
import { signWithDongle } from '../../../core/dongle/dongle-signed-document';
import type { ExamMode } from '../../../core/settings/site-settings';
import type { ResultReceipt, ResultReceiptBody } from '../api';

/**
 * Signs receipts with the site's dongle, as every dongle-signed document
 * (core/dongle/dongle-signed-document.ts); the receipt also carries its body in clear.
 */
export class ReceiptSigner {
  constructor(private readonly dongles: DongleService) {}

  async sign(body: ResultReceiptBody, mode: ExamMode): Promise<ResultReceipt> {
    return { ...(await signWithDongle(this.dongles.assertUsableFor(mode), body)), body };
  }
}
