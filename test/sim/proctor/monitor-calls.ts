// The monitoring part of the proctor protocol (docs/proctor-protocol.md): heartbeat,
// session start and end, on top of ProctorClient.call().
import type { ProctorClient } from './proctor-client';

export type ProctorRoomState = 'idle' | 'started' | 'ended';

export interface RoomCounts {
  readonly candidates: number;
  readonly loggedIn: number;
  readonly inExam: number;
  readonly submitted: number;
}

export interface HeartbeatRequest {
  readonly roomCode: string;
  readonly sessionNo: number | null;
  readonly state: ProctorRoomState;
  readonly counts: RoomCounts;
  readonly dataImported: boolean;
}

export interface HeartbeatAnswer {
  readonly serverTime: string;
  readonly timeSource: 'trusted' | 'pc';
  readonly intervalSeconds: number;
  readonly notices: readonly { id: number; text: string; sentAt: string }[];
}

export interface SessionChangeAnswer {
  readonly sessionNo: number;
  readonly state: ProctorRoomState;
  readonly changed: boolean;
  readonly at: string;
}

export function sendHeartbeat(client: ProctorClient, body: HeartbeatRequest): Promise<HeartbeatAnswer> {
  return client.call<HeartbeatAnswer>('POST', '/monitor/heartbeat', body);
}

export function startSession(client: ProctorClient, roomCode: string, sessionNo: number): Promise<SessionChangeAnswer> {
  return client.call<SessionChangeAnswer>('POST', `/sessions/${sessionNo}/start`, { roomCode });
}

export function endSession(client: ProctorClient, roomCode: string, sessionNo: number): Promise<SessionChangeAnswer> {
  return client.call<SessionChangeAnswer>('POST', `/sessions/${sessionNo}/end`, { roomCode });
}

export type IncidentKind = '考生机故障' | '换机' | '违纪' | '其他';

export interface IncidentRequest {
  readonly roomCode: string;
  readonly kind: IncidentKind;
  readonly note: string;
  readonly ticketNo?: string | null;
  readonly sessionNo?: number | null;
}

export interface IncidentAnswer {
  readonly id: number;
  readonly roomCode: string;
  readonly kind: IncidentKind;
  readonly note: string;
  readonly ticketNo: string | null;
  readonly sessionNo: number | null;
  readonly reportedAt: string;
}

export interface NoticeAckAnswer {
  readonly noticeId: number;
  readonly ackedAt: string;
  readonly changed: boolean;
}

export function reportIncident(client: ProctorClient, body: IncidentRequest): Promise<IncidentAnswer> {
  return client.call<IncidentAnswer>('POST', '/monitor/incidents', body);
}

export function acknowledgeNotice(client: ProctorClient, roomCode: string, noticeId: number): Promise<NoticeAckAnswer> {
  return client.call<NoticeAckAnswer>('POST', `/monitor/notices/${noticeId}/ack`, { roomCode });
}
