import { z } from 'zod';

/**
 * An instant in an API answer: an ISO-8601 string with its offset (`2026-12-20T01:00:00.000Z`),
 * documented as `format: date-time` so generated clients can read it as a date. Only the
 * document changes: values are written by the server, and the test suite's response
 * contract checks them against the format.
 */
export const instantSchema = z.string().meta({ format: 'date-time' });
