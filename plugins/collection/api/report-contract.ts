import { z } from 'zod';
import { createLiveTopic } from '../../../core/events/live-topic';
import { instantSchema } from '../../../core/time/instant';
import type { GoTo } from '../../../core/http/guidance';

// 考后上报 (R8.5): the view the admin UI renders, shared by server and web (no server imports).

/** 数据上报's 第一步 (备份到外部存储): where "请先完成第一步" leads (ReportDialog marks it). */
export const REPORT_BACKUP_PLACE: GoTo = { area: 'after', label: '考后“数据上报”的第一步“备份到外部存储”', anchor: 'report-backup' };

/** Live event (SSE) carrying the whole ReportView whenever a step moves. */
export const REPORT_CHANGED_EVENT = 'collection.report';

const progressSchema = z.object({
  phase: z.enum(['copying', 'verifying']),
  doneBytes: z.number().int(),
  totalBytes: z.number().int(),
  doneFiles: z.number().int(),
  totalFiles: z.number().int(),
});

export const reportViewSchema = z
  .object({
    backup: z.object({
      running: z.boolean(),
      progress: progressSchema.nullable(),
      latest: z
        .object({
          dir: z.string(),
          createdAt: instantSchema,
          verifiedAt: instantSchema.nullable(),
          fileCount: z.number().int(),
          bytes: z.number().int(),
          failure: z.string(),
        })
        .nullable(),
      /** A verified backup holds every package collected now: 第二步 may run. */
      coversCurrent: z.boolean(),
      /** Packages collected now that the backup does not hold. */
      notCovered: z.number().int(),
      /** What the backup covers, in words. */
      summary: z.string(),
    }),
    /** Whether 第二步 (the upload tool) is enabled. */
    uploadEnabled: z.boolean(),
    sessions: z.array(
      z.object({
        sessionNo: z.number().int(),
        sessionName: z.string(),
        roomCount: z.number().int().describe('考场数'),
        collectedRooms: z.number().int().describe('已回收'),
        fileBytes: z.number().int().describe('文件大小（字节）'),
        reportedRooms: z.number().int().describe('已上报（监控平台已确认）'),
        statusText: z.string().describe('上报状态'),
        running: z.boolean(),
        sentBytes: z.number().int(),
        totalBytes: z.number().int(),
        message: z.string(),
        /** The button the row offers: 上报 (never tried), 续报 (after a failure or partly done), none. */
        action: z.enum(['上报', '续报']).nullable(),
      }),
    ),
  })
  .meta({ id: 'ResultReportView' });
export type ReportView = z.output<typeof reportViewSchema>;

/** The whole ReportView whenever a step moves. */
export const reportChangedTopic = createLiveTopic(REPORT_CHANGED_EVENT, reportViewSchema);
export type SessionReportView = ReportView['sessions'][number];
export type BackupProgressView = z.output<typeof progressSchema>;
