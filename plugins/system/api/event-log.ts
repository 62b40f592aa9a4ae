// Browser-safe contract of 事件日志 (issue 13 point 6): the audit log as the page and the exports show it.
import { z } from 'zod';
import type { ChainedAuditEntry } from '../../../core/auth/audit-entry';

/** Kinds the page filters by; an entry belongs to every kind one of whose patterns matches its action. */
export const eventKindSchema = z.enum(['login', 'refusal', 'registration', 'revocation', 'import', 'report', 'disconnection', 'restart', 'system'], {
  message: '事件类别无效：应为 登录、拒绝、注册、吊销、导入、上报、断开、重启 或 系统管理',
});
export type EventKind = z.infer<typeof eventKindSchema>;

export const EVENT_KIND_LABEL: Record<EventKind, string> = {
  login: '登录',
  refusal: '拒绝',
  registration: '注册',
  revocation: '吊销',
  import: '导入',
  report: '上报',
  disconnection: '断开',
  restart: '重启',
  system: '系统管理',
};

export const eventLogEntrySchema = z
  .object({
    /** 第N条: the entry's position in the chain. */
    id: z.number().int(),
    at: z.string(),
    kind: eventKindSchema.nullable(),
    /** Chinese name of the event, e.g. 管理员登录失败. */
    event: z.string(),
    actor: z.string(),
    room: z.string().nullable(),
    /** Chinese `名称：值` pairs of the detail, joined by `；`. */
    detail: z.string(),
  })
  .meta({ id: 'SystemEventLogEntry' });
export type EventLogEntry = z.infer<typeof eventLogEntrySchema>;

export const eventChainSchema = z
  .object({
    intact: z.boolean(),
    /** 完整 / 第N条起被改动 / 第N条起被删除. */
    text: z.string(),
    firstBrokenId: z.number().int().nullable(),
    entries: z.number().int(),
  })
  .meta({ id: 'SystemEventChain' });
export type EventChain = z.infer<typeof eventChainSchema>;

export const eventLogPageSchema = z
  .object({ entries: z.array(eventLogEntrySchema), total: z.number().int(), chain: eventChainSchema })
  .meta({ id: 'SystemEventLogPage' });
export type EventLogPage = z.infer<typeof eventLogPageSchema>;

/** China time as typed in the page's pickers: `2026-12-20 09:00:00`. */
const chinaTime = (what: string) =>
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/, `${what}格式应为 2026-12-20 09:00:00（北京时间）`)
    .optional();

export const eventLogFilterSchema = z
  .object({
    from: chinaTime('开始时间'),
    to: chinaTime('结束时间'),
    kind: eventKindSchema.optional(),
    room: z.string().regex(/^\d{1,16}$/, '考场编号应为数字，如 11003001').optional(),
  })
  .strict();
export type EventLogFilter = z.infer<typeof eventLogFilterSchema>;

/** What `事件日志.json` signs (payload of a dongle-signed document, core/dongle/dongle-signed-document.ts). */
export interface EventLogExportBody {
  readonly kind: 'examsite.event-log';
  readonly v: 1;
  readonly siteCode: string | null;
  readonly mode: 'formal' | 'mock';
  readonly exportedAt: string;
  readonly filter: EventLogFilter;
  readonly chain: EventChain & { readonly head: { entryId: number; hash: string } | null; readonly anchor: { entryId: number; hash: string } };
  /** Newest first, each with its link as stored (ADR 014 says how to recompute the hashes). */
  readonly entries: readonly ChainedAuditEntry[];
}
