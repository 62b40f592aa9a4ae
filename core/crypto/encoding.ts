/**
 * Strict decoders: inputs from files and the network must have exactly one text form, so a
 * tampered byte never decodes to "almost the same" bytes.
 */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Standard base64 (RFC 4648 §4, padded); null unless canonical. */
export function decodeBase64Strict(text: unknown): Buffer | null {
  if (typeof text !== 'string' || !BASE64.test(text)) return null;
  const buf = Buffer.from(text, 'base64');
  return buf.toString('base64') === text ? buf : null;
}

/** base64url without padding (RFC 4648 §5); null unless canonical. */
export function decodeBase64UrlStrict(text: unknown): Buffer | null {
  if (typeof text !== 'string' || !BASE64URL.test(text) || text.length % 4 === 1) return null;
  const buf = Buffer.from(text, 'base64url');
  return buf.toString('base64url') === text ? buf : null;
}
