// Browser-safe: the live topic of collected results (server and web share it).
import { z } from 'zod';
import { createLiveTopic } from '../../../core/events/live-topic';

/** Published whenever a result was collected or a conflict kept aside. */
export const collectionChangedTopic = createLiveTopic(
  'collection.changed',
  z.object({ roomCode: z.string(), sessionNo: z.number().int(), change: z.enum(['collected', 'conflict']) }),
);
