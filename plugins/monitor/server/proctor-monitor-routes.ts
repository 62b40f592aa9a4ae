import { refusal } from '../../../core/http/error-catalog';
import type { ProctorApi } from '../../registration/api';
import {
  heartbeatAnswerSchema,
  heartbeatRequestSchema,
  incidentAnswerSchema,
  incidentRequestSchema,
  noticeAckAnswerSchema,
  noticeAckRequestSchema,
  noticeIdParamsSchema,
  sessionChangeAnswerSchema,
  sessionChangeRequestSchema,
  sessionNoParamsSchema,
} from './proctor-monitor-schemas';
import type { MonitorService } from './monitor-service';

const TAG = '监考机协议：考场监控';

/** The monitoring part of the proctor protocol v1 (docs/proctor-protocol.md, R7.2, R6.4). */
export function mountProctorMonitorRoutes(api: ProctorApi, monitor: MonitorService, intervalSeconds: number): void {
  api.route({
    method: 'post',
    path: '/monitor/heartbeat',
    operationId: 'sendHeartbeat',
    summary: '心跳：上报本考场的场次、状态与人数；应答为考点可信时间、下次心跳间隔与待确认的通知',
    tags: [TAG],
    // The room is named in the body, which a scope cannot read: the service checks it against the credential.
    room: 'own',
    body: { kind: 'json', schema: heartbeatRequestSchema, maxBytes: 4096 },
    response: heartbeatAnswerSchema,
    errors: { 403: refusal('roomCode 不是本机注册的考场', 'PROCTOR_OTHER_ROOM') },
    handler: async ({ principal, body }) => {
      const time = await monitor.heartbeat(principal, body);
      return { serverTime: time.at.toISOString(), timeSource: time.source, intervalSeconds, notices: time.notices };
    },
  });

  api.route({
    method: 'post',
    path: '/monitor/incidents',
    operationId: 'reportIncident',
    summary: '报告本考场的事件（考生机故障、换机、违纪、其他），考场监控页面即时显示并记入日志',
    tags: [TAG],
    room: 'own',
    body: { kind: 'json', schema: incidentRequestSchema, maxBytes: 4096 },
    response: incidentAnswerSchema,
    errors: { 403: refusal('roomCode 不是本机注册的考场', 'PROCTOR_OTHER_ROOM') },
    handler: ({ principal, body }) =>
      monitor.reportIncident(principal, { roomCode: body.roomCode, kind: body.kind, note: body.note, ticketNo: body.ticketNo ?? null, sessionNo: body.sessionNo ?? null }),
  });

  api.route({
    method: 'post',
    path: '/monitor/notices/:id/ack',
    operationId: 'acknowledgeNotice',
    summary: '确认收到考点的通知（心跳应答 notices 中的编号；重复调用无副作用）',
    tags: [TAG],
    room: 'own',
    params: noticeIdParamsSchema,
    body: { kind: 'json', schema: noticeAckRequestSchema, maxBytes: 1024 },
    response: noticeAckAnswerSchema,
    errors: { 403: refusal('roomCode 不是本机注册的考场', 'PROCTOR_OTHER_ROOM'), 404: refusal('本考场没有该编号的通知', 'NOTICE_UNKNOWN') },
    handler: async ({ principal, params, body }) => ({ noticeId: params.id, ...(await monitor.acknowledgeNotice(principal, params.id, body.roomCode)) }),
  });

  for (const [action, state, summary] of [
    ['start', 'started', '开考：本考场该场次已开考（重复调用无副作用）'],
    ['end', 'ended', '结束考试：本考场该场次已结束（重复调用无副作用）'],
  ] as const) {
    api.route({
      method: 'post',
      path: `/sessions/:no/${action}`,
      operationId: action === 'start' ? 'startSession' : 'endSession',
      summary,
      tags: [TAG],
      room: 'own',
      params: sessionNoParamsSchema,
      body: { kind: 'json', schema: sessionChangeRequestSchema, maxBytes: 1024 },
      response: sessionChangeAnswerSchema,
      errors: {
        403: refusal('不是本机的考场，或考场不参加该场次', 'PROCTOR_OTHER_ROOM', 'ROOM_NOT_IN_SESSION'),
        409: refusal('尚未开考就结束考试', 'SESSION_NOT_STARTED'),
      },
      handler: async ({ principal, params, body }) => {
        const outcome = await monitor.changeSession(principal, body.roomCode, params.no, state);
        return { sessionNo: params.no, state, changed: outcome.changed, at: outcome.at };
      },
    });
  }
}
