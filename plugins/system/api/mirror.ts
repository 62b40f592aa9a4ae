import { z } from 'zod';
import { instantSchema } from '../../../core/time/instant';

/**
 * GET/PUT /api/system/mirror (持续保护, issue 13 point 7): the mirror folder and how far it
 * follows the data. One schema for the server's answer and the web's type.
 */
export const mirrorStatusSchema = z
  .object({
    folder: z.string().nullable(),
    /** off: no folder chosen; ok: holds the last committed change; pending: a change waits; error: see `error`. */
    state: z.enum(['off', 'ok', 'pending', 'error']),
    lastMirroredAt: instantSchema.nullable(),
    /** From the first change not yet mirrored to the mirror holding it, for the last run (ms). */
    lagMs: z.number().int().nonnegative().nullable(),
    /** What went wrong, in Chinese, with what to do (the exam goes on regardless). */
    error: z.string().nullable(),
    /** Files of the site's folders held in the mirror. */
    files: z.number().int().nonnegative(),
  })
  .meta({ id: 'SystemMirrorStatus' });
export type MirrorStatus = z.output<typeof mirrorStatusSchema>;
