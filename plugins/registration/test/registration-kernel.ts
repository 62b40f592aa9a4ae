import type { PluginDefinition } from '../../../core/kernel/plugin';
import type { TestClient } from '../../../core/testing/http-client';
import { fakeService, startTestKernel, type TestKernel } from '../../../core/testing/test-kernel';
import type { ProctorCredentials } from '../../../test/sim/proctor/credentials-file';
import { ProctorClient } from '../../../test/sim/proctor/proctor-client';
import {
  examDataServiceRef,
  type CandidateInfo,
  type ExamDataChanged,
  type ExamDataService,
  type ReleaseInfo,
  type RoomData,
  type RoomSummary,
  type SessionInfo,
} from '../../load/api';
import { createRegistrationPlugin, type RegistrationPluginOptions } from '../server/plugin';

export const SITE_CODE = '11003';

/** What a release of the fake exam data holds (a stand-in for a package 载入考务 imported). */
export interface FakeRelease {
  readonly releaseTime: string;
  readonly rooms: number;
  readonly candidatesPerRoom: number;
}

export const FIRST_RELEASE: FakeRelease = { releaseTime: '2026-12-01T20:00:00+08:00', rooms: 3, candidatesPerRoom: 6 };

const SESSIONS: readonly SessionInfo[] = [1, 2].map((no) => ({
  no,
  name: `第${no}场`,
  startsAt: `2026-12-20T${String(7 + 2 * no).padStart(2, '0')}:00:00+08:00`,
  durationMinutes: 90,
  subjects: [{ code: `S${no}`, name: `科目${no}` }],
}));

/**
 * 载入考务's exam data service in memory, for registration tests without the load plugin:
 * rooms 11003001…, two sessions, registration codes that stay with a room across releases
 * (as load keeps them, R2.5); `publish` stores a newer release and tells the listeners.
 */
export class FakeExamData implements ExamDataService {
  private release: ReleaseInfo | null = null;
  private rooms = new Map<string, RoomData>();
  private readonly codes = new Map<string, string>();
  private readonly listeners = new Set<(e: ExamDataChanged) => void>();

  publish(release: FakeRelease): void {
    const loadedAt = new Date().toISOString();
    this.release = { siteCode: SITE_CODE, mode: 'mock', releaseTime: release.releaseTime, loadedAt, manualImportAt: loadedAt, verified: false, verifiedAt: null, manifestSha256: '0'.repeat(64), resultEncryptionKey: null };
    this.rooms = new Map(Array.from({ length: release.rooms }, (_, i) => fakeRoom(`${SITE_CODE}${String(i + 1).padStart(3, '0')}`, release.candidatesPerRoom)));
    for (const roomCode of this.rooms.keys()) if (!this.codes.has(roomCode)) this.codes.set(roomCode, registrationCodeFor(roomCode));
    for (const l of this.listeners) l({ releaseTime: release.releaseTime, roomCodes: [...this.rooms.keys()] });
  }

  async currentRelease(): Promise<ReleaseInfo | null> {
    return this.release;
  }
  async listRooms(): Promise<RoomSummary[]> {
    return [...this.rooms.values()].map((r) => ({
      roomCode: r.roomCode,
      sessionCount: r.sessions.length,
      candidateCount: r.candidates.length,
      loadedAt: this.release?.loadedAt ?? '',
      registrationCode: this.codes.get(r.roomCode) ?? '',
    }));
  }
  async room(roomCode: string): Promise<RoomData | null> {
    return this.rooms.get(roomCode) ?? null;
  }
  async sessions(): Promise<SessionInfo[]> {
    return this.release ? [...SESSIONS] : [];
  }
  async roomsOfSession(sessionNo: number): Promise<string[]> {
    return [...this.rooms.values()].filter((r) => r.candidates.some((c) => c.sessionNo === sessionNo)).map((r) => r.roomCode);
  }
  async encryptedContent(): Promise<null> {
    return null;
  }
  async registrationCodeOf(roomCode: string): Promise<string | null> {
    return this.rooms.has(roomCode) ? (this.codes.get(roomCode) ?? null) : null;
  }
  async restoreRegistrationCodes(codes: Readonly<Record<string, string>>): Promise<void> {
    for (const [roomCode, code] of Object.entries(codes)) if (this.rooms.has(roomCode)) this.codes.set(roomCode, code);
  }
  onChanged(listener: (e: ExamDataChanged) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

function fakeRoom(roomCode: string, perSession: number): [string, RoomData] {
  const candidates: CandidateInfo[] = SESSIONS.flatMap((s) =>
    Array.from({ length: perSession }, (_, i) => ({
      ticketNo: `${roomCode}${s.no}${String(i + 1).padStart(2, '0')}`,
      name: `考生${s.no}-${i + 1}`,
      gender: i % 2 ? '女' : '男',
      idCardMasked: '110101********0011',
      sessionNo: s.no,
      seatNo: perSession - i,
      subjectCodes: s.subjects.map((x) => x.code),
    })),
  );
  return [roomCode, { roomCode, roomName: `第${roomCode.slice(-3)}考场`, address: '实训楼', sessions: SESSIONS, candidates }];
}

/** Eight letters and digits, different per room (never 'WRONG…', the tests' wrong guesses). */
function registrationCodeFor(roomCode: string): string {
  return `KQ${roomCode.slice(-3)}M7P`.slice(0, 8);
}

export interface RegistrationKernelOptions {
  /** The exam data loaded at start; null: none yet. */
  readonly release?: FakeRelease | null;
  readonly plugin?: RegistrationPluginOptions;
  /** More plugins under test (e.g. one that mounts proctor routes). */
  readonly extraPlugins?: readonly PluginDefinition[];
}

export interface RegistrationKernel {
  readonly server: TestKernel;
  readonly admin: TestClient;
  readonly examData: FakeExamData;
  /** The base URL the proctor clients name (requests stay in process). */
  readonly url: string;
  /** `fetch` to the kernel from `clientAddress` (default the site PC). */
  fetch(path: string, init?: RequestInit, clientAddress?: string): Promise<Response>;
  /** A proctor client (holding `credentials`, if given) whose requests come from `clientAddress` (default 127.0.0.1). */
  proctor(credentials?: ProctorCredentials | null, clientAddress?: string): ProctorClient;
  code(roomCode: string): Promise<string>;
  stop(): Promise<void>;
}

/** 考场注册 alone on the in-process kernel; 载入考务's exam data is faked. */
export async function startRegistrationKernel(options: RegistrationKernelOptions = {}): Promise<RegistrationKernel> {
  const examData = new FakeExamData();
  const release = options.release === undefined ? FIRST_RELEASE : options.release;
  if (release) examData.publish(release);
  const server = await startTestKernel({
    plugins: [createRegistrationPlugin(options.plugin), ...(options.extraPlugins ?? [])],
    fakes: [fakeService(examDataServiceRef, examData)],
  });
  const s = await server.admin.put('/api/settings', { siteCode: SITE_CODE, mode: 'mock' });
  if (s.status !== 200) throw new Error(`settings: ${s.status} ${JSON.stringify(s.body)}`);
  const url = 'http://127.0.0.1';
  return {
    server,
    admin: server.admin,
    examData,
    url,
    fetch: (path, init, clientAddress) => server.http.fetchFrom(clientAddress)(url + path, init),
    proctor: (credentials = null, clientAddress) => new ProctorClient(url, credentials, { fetch: server.http.fetchFrom(clientAddress) }),
    async code(roomCode) {
      const code = (await table({ admin: server.admin })).rooms.find((r) => r.roomCode === roomCode)?.registrationCode;
      if (!code) throw new Error(`no room ${roomCode}`);
      return code;
    },
    stop: () => server.stop(),
  };
}

export interface TableBody {
  siteCode: string | null;
  siteUrl: string;
  dataLoaded: boolean;
  registeredCount: number;
  unregisteredCount: number;
  rooms: {
    roomCode: string;
    registrationCode: string;
    registration: { ip: string; machineId: string; registrationId: string } | null;
    sealCheck: unknown;
    note: string;
  }[];
}

/** The 考场注册 table as the administrator reads it. */
export async function table(site: { admin: TestClient }): Promise<TableBody> {
  const r = await site.admin.get<TableBody>('/api/registration/rooms');
  if (r.status !== 200) throw new Error(`table: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}
