// What the 考场监控 table shows per room, derived from the server's row (R7.1).
import type { MonitorRow } from '../api/contract';

/** The proctor's live figures count only when it is on the chosen session. */
export function onSession(row: MonitorRow, sessionNo: number): boolean {
  return row.live.sessionNo === sessionNo && row.live.counts !== null;
}

export function candidatesOf(row: MonitorRow, sessionNo: number): number {
  return onSession(row, sessionNo) ? row.live.counts!.candidates : row.plannedCandidates;
}

export function loggedInOf(row: MonitorRow, sessionNo: number): number {
  return onSession(row, sessionNo) ? row.live.counts!.loggedIn : 0;
}

export function inExamOf(row: MonitorRow, sessionNo: number): number {
  return onSession(row, sessionNo) ? row.live.counts!.inExam : 0;
}

export function endedOn(row: MonitorRow, sessionNo: number): boolean {
  return row.live.sessionNo === sessionNo && row.live.state === 'ended';
}

export function connected(row: MonitorRow): boolean {
  return row.live.connection === 'connected' || row.live.connection === 'late';
}

/**
 * Candidates of a started room who never logged in (考生人数 − 已登录; 已登录 includes those
 * who already submitted, as in the protocol's example), an indicator with a threshold.
 */
export function missingOf(row: MonitorRow, sessionNo: number): number {
  if (!onSession(row, sessionNo) || row.live.state !== 'started') return 0;
  return Math.max(0, row.live.counts!.candidates - row.live.counts!.loggedIn);
}

/**
 * Row colour per indicator: disconnected stands out; before that a warning when the
 * heartbeat age passed its threshold (late) or too many candidates are missing.
 */
export function rowTone(row: MonitorRow, sessionNo: number, missingWarnAt: number): string {
  if (row.live.connection === 'disconnected') return 'row-disconnected';
  if (row.live.connection === 'late') return 'row-late';
  if (missingWarnAt > 0 && missingOf(row, sessionNo) >= missingWarnAt) return 'row-late';
  return '';
}

/** Why a row is coloured (the row's tooltip), empty when it is not. */
export function toneReason(row: MonitorRow, sessionNo: number, missingWarnAt: number): string {
  if (row.live.connection === 'disconnected') return '监考机已断开';
  if (row.live.connection === 'late') return '心跳超时';
  const missing = missingOf(row, sessionNo);
  if (missingWarnAt > 0 && missing >= missingWarnAt) return `已开考，${missing} 名考生未登录`;
  return '';
}

export function connectionTitle(row: MonitorRow, formatTime: (iso: string) => string): string {
  const last = row.live.lastBeatAt ? `最后心跳 ${formatTime(row.live.lastBeatAt)}` : '尚未收到心跳';
  switch (row.live.connection) {
    case 'connected':
      return `已连接，${last}`;
    case 'late':
      return `心跳延迟，${last}`;
    case 'disconnected':
      return `已断开，${last}`;
    default:
      return `状态未知（考点重启后尚未收到心跳），${last}`;
  }
}
