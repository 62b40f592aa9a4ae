// Browser-safe contract of 考场监控 (R7): the live room state the page applies as it arrives.
import { z } from 'zod';
import { createLiveTopic } from '../../../core/events/live-topic';
import { instantSchema } from '../../../core/time/instant';

/** What the proctor says its room is doing. */
export const proctorRoomStateSchema = z.enum(['idle', 'started', 'ended']);
export type ProctorRoomState = z.infer<typeof proctorRoomStateSchema>;

const count = (what: string) => z.number({ error: `${what}应为数字` }).int(`${what}应为整数`).min(0, `${what}不能为负数`).max(10_000, `${what}过大`);

/** 考生人数 · 已登录 · 考试中 · 已交卷, as the proctor counts them. */
export const roomCountsSchema = z
  .object({
    candidates: count('考生人数'),
    loggedIn: count('已登录人数'),
    inExam: count('考试中人数'),
    submitted: count('已交卷人数'),
  })
  .strict()
  .refine((c) => c.loggedIn <= c.candidates && c.inExam <= c.candidates && c.submitted <= c.candidates, {
    message: '已登录、考试中、已交卷人数都不能超过考生人数',
  });
export type RoomCounts = z.infer<typeof roomCountsSchema>;

/**
 * Connection as the page shows it: `late` (a beat is overdue: the row is coloured), then
 * `disconnected` after the configured number of missed beats; `unknown` after a restart
 * until the room beats again.
 */
export const roomConnectionSchema = z.enum(['connected', 'late', 'disconnected', 'unknown']);
export type RoomConnection = z.infer<typeof roomConnectionSchema>;

export const roomLiveSchema = z.object({
  roomCode: z.string(),
  connection: roomConnectionSchema,
  /** The session the proctor is on (null: none chosen yet). */
  sessionNo: z.number().int().nullable(),
  state: proctorRoomStateSchema.nullable(),
  counts: roomCountsSchema.nullable(),
  /** 考场数据导入状态: the proctor has imported its room data. */
  dataImported: z.boolean().nullable(),
  /** Site time of the last heartbeat (ISO-8601). */
  lastBeatAt: instantSchema.nullable(),
  /** Incidents reported by this room's proctor (badge). */
  incidents: z.number().int(),
  /** Notices sent to this room that it has not acknowledged yet. */
  unacknowledgedNotices: z.number().int(),
});
export type RoomLive = z.infer<typeof roomLiveSchema>;

/** One room's live state, at most every 200 ms per room. */
export const roomLiveTopic = createLiveTopic('monitor.room', roomLiveSchema, { coalesceMs: 200, keyOf: (r) => r.roomCode });

export const incidentKindSchema = z.enum(['考生机故障', '换机', '违纪', '其他'], { error: '事件类型应为 考生机故障、换机、违纪 或 其他' });
export type IncidentKind = z.infer<typeof incidentKindSchema>;

export const incidentSchema = z.object({
  id: z.number().int(),
  roomCode: z.string(),
  kind: incidentKindSchema,
  note: z.string(),
  ticketNo: z.string().nullable(),
  sessionNo: z.number().int().nullable(),
  reportedAt: instantSchema,
});
export type Incident = z.infer<typeof incidentSchema>;

/** A new incident, at once. */
export const incidentTopic = createLiveTopic('monitor.incident', incidentSchema);

export const noticeSchema = z.object({
  id: z.number().int(),
  /** null: every room. */
  roomCode: z.string().nullable(),
  text: z.string(),
  sentAt: instantSchema,
  /** Rooms it was meant for that have not acknowledged it. */
  pendingRooms: z.array(z.string()),
});
export type Notice = z.infer<typeof noticeSchema>;

/** A notice sent or acknowledged. */
export const noticeTopic = createLiveTopic('monitor.notice', noticeSchema, { coalesceMs: 200, keyOf: (n) => String(n.id) });

/** The 考场监控 page's answer (GET /api/monitor/rooms). */
export const monitorRowSchema = z.object({
  roomCode: z.string(),
  /** 注册IP */
  ip: z.string().nullable(),
  /** 考试授权状态 / 授权验证状态 of the chosen session. */
  authorized: z.boolean(),
  verified: z.boolean(),
  /** 是否已上报数据: null when no plugin tells (the collection stage). */
  uploaded: z.boolean().nullable(),
  /** 考生人数 in the loaded data for the chosen session (before the proctor counts). */
  plannedCandidates: z.number().int(),
  live: roomLiveSchema,
});
export type MonitorRow = z.infer<typeof monitorRowSchema>;

export const monitorSessionSchema = z.object({ no: z.number().int(), name: z.string(), startsAt: instantSchema, endsAt: instantSchema });

export const monitorOverviewSchema = z.object({
  sessions: z.array(monitorSessionSchema),
  /** The chosen session (default: the current one on the trusted clock); null when no data. */
  session: monitorSessionSchema.nullable(),
  rows: z.array(monitorRowSchema),
  /** 考场状态上报成功 time (site time of the centre's ack), null before the first. */
  lastReportAt: instantSchema.nullable(),
  /** Heartbeat interval proctors are told to use (s) and the thresholds. */
  intervalSeconds: z.number(),
  lateAfterSeconds: z.number(),
  disconnectedAfterSeconds: z.number(),
  /** A started room with at least this many candidates not logged in (考生人数 − 已登录) warns. */
  missingWarnAt: z.number().int(),
  incidents: z.array(incidentSchema),
  notices: z.array(noticeSchema),
});
export type MonitorOverview = z.infer<typeof monitorOverviewSchema>;

/** Published after a room status report was acknowledged (考场状态上报成功 <time>). */
export const monitorReportTopic = createLiveTopic('monitor.report', z.object({ deliveredAt: instantSchema }));
