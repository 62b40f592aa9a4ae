import { randomInt } from 'node:crypto';
import { definePlugin, type PluginDefinition } from '../../../core/kernel/plugin';
import { examDataServiceRef, type ExamDataChanged, type ExamDataService, type ReleaseInfo, type RoomData, type RoomSummary, type SessionInfo } from '../../load/api';

/**
 * Test-only stand-in for the load stage: a fixed set of rooms in memory, with registration
 * codes generated per instance like a fresh load would. The real load plugin is exercised
 * by the tests that import a package (see registration.test.ts, "real load plugin").
 */
export interface FixedExamDataOptions {
  readonly siteCode?: string;
  readonly rooms?: number;
  readonly releaseTime?: string;
  readonly manifestSha256?: string;
  /** No package loaded yet. */
  readonly empty?: boolean;
}

const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

function code(): string {
  let s = '';
  for (let i = 0; i < 8; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return s;
}

export class FixedExamData implements ExamDataService {
  readonly rooms: RoomData[];
  readonly codes = new Map<string, string>();
  private loaded: boolean;
  private readonly release: ReleaseInfo;

  constructor(options: FixedExamDataOptions = {}) {
    const siteCode = options.siteCode ?? '11003';
    this.loaded = !options.empty;
    this.release = {
      siteCode,
      mode: 'mock',
      releaseTime: options.releaseTime ?? '2026-12-01T20:00:00+08:00',
      loadedAt: new Date().toISOString(),
      manualImportAt: null,
      verified: true,
      verifiedAt: new Date().toISOString(),
      manifestSha256: options.manifestSha256 ?? 'a'.repeat(64),
    };
    const sessions: SessionInfo[] = [
      { no: 1, name: '第一场', startsAt: '2026-12-20T09:00:00+08:00', durationMinutes: 90, subjects: [{ code: 'S1', name: '理论' }] },
      { no: 2, name: '第二场', startsAt: '2026-12-20T14:00:00+08:00', durationMinutes: 120, subjects: [{ code: 'S2', name: '实操' }] },
    ];
    this.rooms = [];
    for (let i = 1; i <= (options.rooms ?? 3); i++) {
      const roomCode = `${siteCode}${String(i).padStart(3, '0')}`;
      this.rooms.push({
        roomCode,
        roomName: `第${i}考场`,
        address: `实训楼 <${i}0${i}>`,
        sessions,
        candidates: [1, 2].flatMap((sessionNo) =>
          [1, 2, 3].map((seatNo) => ({
            ticketNo: `${roomCode}${sessionNo}${String(seatNo).padStart(2, '0')}`,
            name: `考生${i}-${sessionNo}-${seatNo}`,
            gender: seatNo % 2 ? ('男' as const) : ('女' as const),
            idCardMasked: '110101********1234',
            sessionNo,
            seatNo,
            subjectCodes: [sessionNo === 1 ? 'S1' : 'S2'],
          })),
        ),
      });
      this.codes.set(roomCode, code());
    }
  }

  async currentRelease(): Promise<ReleaseInfo | null> {
    return this.loaded ? this.release : null;
  }
  async listRooms(): Promise<RoomSummary[]> {
    if (!this.loaded) return [];
    return this.rooms.map((r) => ({
      roomCode: r.roomCode,
      sessionCount: r.sessions.length,
      candidateCount: r.candidates.length,
      loadedAt: this.release.loadedAt,
      registrationCode: this.codes.get(r.roomCode)!,
    }));
  }
  async room(roomCode: string): Promise<RoomData | null> {
    return (this.loaded && this.rooms.find((r) => r.roomCode === roomCode)) || null;
  }
  async sessions(): Promise<SessionInfo[]> {
    return this.loaded ? [...(this.rooms[0]?.sessions ?? [])] : [];
  }
  async roomsOfSession(): Promise<string[]> {
    return this.loaded ? this.rooms.map((r) => r.roomCode) : [];
  }
  async encryptedContent(): Promise<null> {
    return null;
  }
  async registrationCodeOf(roomCode: string): Promise<string | null> {
    return this.loaded ? (this.codes.get(roomCode) ?? null) : null;
  }
  async restoreRegistrationCodes(codes: Readonly<Record<string, string>>): Promise<void> {
    const unknown = Object.keys(codes).filter((c) => !this.codes.has(c));
    if (unknown.length) throw new Error(`unknown rooms ${unknown.join(',')}`);
    for (const [room, c] of Object.entries(codes)) this.codes.set(room, c);
  }
  onChanged(_listener: (e: ExamDataChanged) => void): () => void {
    return () => undefined;
  }
}

export function fixedExamDataPlugin(data: FixedExamData): PluginDefinition {
  return definePlugin({
    manifest: { id: 'load', version: '1.0.0', host: '^0.1.0', displayName: '载入考务（测试数据）', stage: 'load' },
    register(env) {
      env.provideService(examDataServiceRef, { deps: {}, factory: () => data });
    },
  });
}
