import { z } from 'zod';

/**
 * A path or query integer written the one plain way: decimal digits, no sign, no leading
 * zero, no spaces. `z.coerce.number()` read `1%20` ("1 ") and `0x1` as 1 (issue 10 point 4),
 * so two spellings reached the same resource past any check keyed on the text.
 */
export function integerParam(min: number, max: number, message: string) {
  return z
    .string()
    .regex(/^(0|[1-9][0-9]{0,14})$/, message)
    .pipe(z.coerce.number<string>().int(message).min(min, message).max(max, message));
}
