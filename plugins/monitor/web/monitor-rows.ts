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

/** Row colour: disconnected stands out; late (a beat overdue) warns before that. */
export function rowTone(row: MonitorRow): string {
  if (row.live.connection === 'disconnected') return 'row-disconnected';
  if (row.live.connection === 'late') return 'row-late';
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
