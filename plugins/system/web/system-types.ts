// Shapes of GET/POST /api/system/* (plugins/system/server/system-routes.ts).
export interface SystemBackup {
  file: string;
  name: string;
  createdAt: string;
  note: string;
  size: number;
  siteCode: string;
  mode: 'formal' | 'mock';
  verified: boolean;
}

export interface SystemOverview {
  siteCode: string | null;
  mode: 'formal' | 'mock';
  unreported: string[];
  backupSupported: boolean;
}

export interface RestartReply {
  restarting: true;
  message: string;
}
