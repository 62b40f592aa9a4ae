// Browser-safe contract of 数据回收 (R8.1–R8.4, manual §5.1): the live topic and the shapes the
// admin UI renders, shared by server (route schemas) and web (types). No server imports.
import { z } from 'zod';
import { createLiveTopic } from '../../../core/events/live-topic';

/** Published after the unit of work that collected a result (or kept a conflict aside) committed. */
export const collectionChangedTopic = createLiveTopic(
  'collection.changed',
  z.object({ roomCode: z.string(), sessionNo: z.number().int(), change: z.enum(['collected', 'conflict']) }),
);
export type CollectionChanged = z.output<typeof collectionChangedTopic.schema>;

/** The outbox report queued for each accepted package; its delivery is the row's 上报情况 上报成功. */
export const RESULT_REPORT_KIND = 'collection.result';

/** Per subject (科目1/科目2 …), in the session's subject order. */
const perSubject = z.array(z.number().int());

export const collectionTableRowSchema = z.object({
  roomCode: z.string(),
  sessionNo: z.number().int(),
  subjects: z.array(z.string()),
  candidates: perSubject.describe('考生人数'),
  present: perSubject.describe('参考人数'),
  absent: perSubject.describe('缺考人数'),
  collected: perSubject.describe('回收人数'),
  uncollected: perSubject.describe('未回收人数'),
  packageCollected: z.boolean(),
  /** 上报情况: 上报成功 / 待上报 / 无数据 */
  report: z.enum(['上报成功', '待上报', '无数据']),
  conflicts: z.number().int(),
});
export type CollectionTableRow = z.output<typeof collectionTableRowSchema>;

export const collectionTableSchema = z
  .object({
    sessions: z.array(z.object({ no: z.number().int(), name: z.string() })),
    rows: z.array(collectionTableRowSchema),
    /** 人数统计: sums per subject position. */
    totals: z.object({ candidates: perSubject, present: perSubject, absent: perSubject, collected: perSubject, uncollected: perSubject }),
    expectedPackages: z.number().int(),
    collectedPackages: z.number().int(),
  })
  .meta({ id: 'CollectionTable' });
export type CollectionTable = z.output<typeof collectionTableSchema>;

export const collectionImportResultSchema = z
  .object({
    fileName: z.string(),
    roomCode: z.string(),
    sessionNo: z.number().int(),
    duplicate: z.boolean().describe('同一数据包此前已回收：未做任何改动，回执与当时相同'),
    receipt: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'CollectionImportResult' });
export type CollectionImportResult = z.output<typeof collectionImportResultSchema>;

/** collected / absent / missing (present but no answer file) / pending (no package yet). */
export const reconciliationStateSchema = z.enum(['collected', 'absent', 'missing', 'pending']);
export type ReconciliationState = z.output<typeof reconciliationStateSchema>;
export const RECONCILIATION_STATE_LABEL: Record<ReconciliationState, string> = { collected: '已回收', absent: '缺考', missing: '缺答题文件', pending: '未回收' };

/** One expected (room, session, subject, candidate) and where its result stands (issue 12 point 8). */
export const reconciliationLineSchema = z.object({
  roomCode: z.string(),
  sessionNo: z.number().int(),
  subjectCode: z.string(),
  ticketNo: z.string(),
  name: z.string(),
  state: reconciliationStateSchema,
  /** The package holding the answer is in the newest verified 第一步 backup. */
  backedUp: z.boolean(),
  /** The 回收 report of that package reached the centre (outbox delivered). */
  reported: z.boolean(),
  /** The centre acknowledged the package file itself (第二步). */
  acknowledged: z.boolean(),
});
export type ReconciliationLine = z.output<typeof reconciliationLineSchema>;

export const reconciliationSchema = z.object({ lines: z.array(reconciliationLineSchema) }).meta({ id: 'CollectionReconciliation' });
export type Reconciliation = z.output<typeof reconciliationSchema>;
