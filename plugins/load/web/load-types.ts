// Shapes of the /api/load answers the panel reads (server: plugins/load/server/load-routes.ts).

export interface LoadRoomRow {
  roomCode: string;
  roomName: string;
  sessionCount: number;
  candidateCount: number;
  loadedAt: string;
  verified: boolean;
  verifiedAt: string | null;
}

export interface LoadRelease {
  siteCode: string;
  mode: 'formal' | 'mock';
  releaseTime: string;
  loadedAt: string;
  manualImportAt: string | null;
  verified: boolean;
  verifiedAt: string | null;
  checkMessage: string | null;
}

export interface LoadRooms {
  rooms: LoadRoomRow[];
  release: LoadRelease | null;
}

export interface LoadImportResult {
  roomCount: number;
  keptRegistrationCodes: number;
  releaseTime: string;
}

export interface LoadCheck {
  verified: boolean;
  verifiedAt: string | null;
  message: string | null;
}

export interface LoadDownloadResult extends LoadImportResult {
  imported: boolean;
  check: LoadCheck;
}

export interface LoadRoomDetail {
  roomCode: string;
  roomName: string;
  address: string;
  seats?: { rows: number; columns: number };
  sessions: { no: number; name: string; startsAt: string; durationMinutes: number; subjects: { code: string; name: string }[] }[];
  candidates: { ticketNo: string; name: string; gender: '男' | '女'; idCardMasked: string; sessionNo: number; seatNo: number; subjectCodes: string[] }[];
}
