// Browser-safe contract of the status bar's live topic (the shell imports it).
import { z } from 'zod';
import { createLiveTopic } from '../events/live-topic';
import { instantSchema } from '../time/instant';

const runState = z.enum(['running', 'stopped']);
const dongleKind = z.enum(['hid', 'soft']).nullable();

export const siteStatusSchema = z.object({
  port: z.number().int(),
  lan: runState,
  items: z
    .array(z.object({ id: z.string(), label: z.string(), text: z.string(), tone: z.enum(['ok', 'bad', 'neutral']) }))
    .readonly()
    .describe('插件提供的状态栏项目（如 FTP服务），按显示顺序'),
  network: z.enum(['up', 'down']),
  time: instantSchema.describe('可信时间（机考锁已校时）或本机时间，ISO-8601'),
  timeSource: z.enum(['trusted', 'pc']),
  trustedTime: instantSchema.nullable(),
  siteCode: z.string().nullable(),
  mode: z.enum(['formal', 'mock']),
  dongle: z.object({
    present: z.boolean(),
    id: z.string().nullable(),
    kind: dongleKind,
    label: z.string(),
    message: z.string().optional(),
  }),
});

export type SiteStatusView = z.infer<typeof siteStatusSchema>;

/** The status bar (R1.5): sent on connect and at least once a second. */
export const statusTopic = createLiveTopic('status', siteStatusSchema);

/** Parses `?topics=a,b` of GET /api/events: null = every topic. */
export const eventsQuerySchema = z.object({
  topics: z
    .string()
    .regex(/^[a-z][a-zA-Z0-9-]*(\.[a-z][a-zA-Z0-9-]*)*(,[a-z][a-zA-Z0-9-]*(\.[a-z][a-zA-Z0-9-]*)*)*$/, '应为逗号分隔的主题名，例如 status,centre.outbox')
    .optional(),
});
