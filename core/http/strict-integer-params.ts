import { z, type ZodType } from 'zod';

/** Spellings of 1 that only `integerParam` refuses: a number read from any of them is lax. */
const LAX_SPELLINGS_OF_ONE = ['1 ', ' 1', '0x1', '01', '+1', '1.0', '1e0', '１'];

/**
 * Names the path or query fields of `schema` that read a number from text but also accept a
 * lax spelling of it (`z.coerce.number()` reads `1%20` and `0x1` as 1; issue 10 point 4).
 * Empty when every numeric field is strict (core/http/integer-param.ts).
 */
export function laxIntegerFields(schema: ZodType | undefined): string[] {
  if (!(schema instanceof z.ZodObject)) return [];
  const lax: string[] = [];
  for (const [name, field] of Object.entries(schema.shape as Record<string, ZodType>)) {
    const one = field.safeParse('1');
    if (!one.success || typeof one.data !== 'number') continue;
    if (LAX_SPELLINGS_OF_ONE.some((text) => field.safeParse(text).success)) lax.push(name);
  }
  return lax;
}
