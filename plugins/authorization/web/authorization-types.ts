// Shapes of the admin API under /api/authorization/ (see /api/openapi.json, tags 考试授权 / 授权验证).


export type Source = 'online' | 'file';

export interface SessionStatus {
  sessionNo: number;
  name: string;
  startsAt: string;
  durationMinutes: number;
  authorized: boolean;
  authorizedAt: string | null;
  authorizationSource: Source | null;
  version: number | null;
  verified: boolean;
  verifiedAt: string | null;
  verificationSource: Source | null;
  verificationOpensAt: string;
  endsAt: string;
  note: string | null;
}

export interface SessionTable {
  siteCode: string | null;
  mode: 'formal' | 'mock';
  dataLoaded: boolean;
  verificationLeadMinutes: number;
  sessions: SessionStatus[];
}

export interface DownloadOutcome {
  message: string;
  allAuthorized: boolean;
  results: { sessionNo: number; ok: boolean; code?: string; message?: string; goTo?: unknown }[];
  sessions: SessionStatus[];
}

export interface ImportOutcome {
  message: string;
  unchanged: boolean;
  session: SessionStatus;
}

export interface VerificationOutcome {
  message: string;
  session: SessionStatus;
}

export interface CalibrationAdvice {
  calibrated: boolean;
  stale: boolean;
  trustedTime: string | null;
  driftMs: number | null;
  lastCalibration: { at: string; source: string; tokenTime: string } | null;
  nearSession: { sessionNo: number; name: string; startsAt: string } | null;
  warning: string | null;
  warnLeadMinutes: number;
}

/** Errors that mean "the centre could not be asked" (offer the manual file instead). */
export function isCentreFailure(code: string): boolean {
  return code.startsWith('CENTRE_') || code === 'NETWORK' || code === 'HTTP_502' || code === 'HTTP_504';
}

/** "电脑时钟快 3 分 12 秒" from PC − trusted (ms). */
export function describeDrift(driftMs: number | null): string {
  if (driftMs === null) return '-';
  const abs = Math.abs(Math.round(driftMs / 1000));
  if (abs < 2) return '电脑时钟与可信时间一致';
  const h = Math.floor(abs / 3600);
  const m = Math.floor((abs % 3600) / 60);
  const s = abs % 60;
  const text = `${h ? `${h} 小时 ` : ''}${h || m ? `${m} 分 ` : ''}${s} 秒`;
  return `电脑时钟${driftMs > 0 ? '快' : '慢'} ${text}`;
}
