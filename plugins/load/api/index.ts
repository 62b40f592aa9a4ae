import { loadChangedTopic } from './contract';
import { createExtensionPoint, createServiceRef } from '../../../core/kernel/refs';

/**
 * Public API of the 载入考务 stage (R2): what other plugins and vendors may use.
 * The package format itself is described in docs/formats.md and ./package-format.ts.
 */

export interface SubjectInfo {
  readonly code: string;
  readonly name: string;
}

export interface SessionInfo {
  /** 场次 number, 1-based. */
  readonly no: number;
  readonly name: string;
  /** 开考时间, ISO-8601 with offset. */
  readonly startsAt: string;
  readonly durationMinutes: number;
  readonly subjects: readonly SubjectInfo[];
}

export interface CandidateInfo {
  /** 准考证号 */
  readonly ticketNo: string;
  readonly name: string;
  readonly gender: '男' | '女';
  /** ID card number with the middle digits masked as delivered by the centre. */
  readonly idCardMasked: string;
  readonly sessionNo: number;
  readonly seatNo: number;
  readonly subjectCodes: readonly string[];
}

export interface RoomSummary {
  readonly roomCode: string;
  readonly sessionCount: number;
  readonly candidateCount: number;
  /** 数据载入时间 */
  readonly loadedAt: string;
  readonly registrationCode: string;
}

export interface RoomData {
  readonly roomCode: string;
  readonly roomName: string;
  readonly address: string;
  /** Seat grid of the room (for the seat chart); seat n sits at row ⌈n / columns⌉. */
  readonly seats?: { readonly rows: number; readonly columns: number };
  readonly sessions: readonly SessionInfo[];
  readonly candidates: readonly CandidateInfo[];
}

export interface ReleaseInfo {
  readonly siteCode: string;
  readonly mode: 'formal' | 'mock';
  /** 考场数据发布时间 */
  readonly releaseTime: string;
  readonly loadedAt: string;
  /** 手工导入时间, null when downloaded online. */
  readonly manualImportAt: string | null;
  /** 是否通过校验: the centre confirmed this is its latest release. */
  readonly verified: boolean;
  /** 校验通过的时间 */
  readonly verifiedAt: string | null;
  readonly manifestSha256: string;
  /** The centre's result-encryption key (X25519, base64url) from the signed package; null before format 1.1. */
  readonly resultEncryptionKey: string | null;
}

/** Fired after a package was stored (first load or a newer release). */
export interface ExamDataChanged {
  readonly releaseTime: string;
  readonly roomCodes: readonly string[];
}

export interface ExamDataService {
  currentRelease(): Promise<ReleaseInfo | null>;
  listRooms(): Promise<RoomSummary[]>;
  room(roomCode: string): Promise<RoomData | null>;
  sessions(): Promise<SessionInfo[]>;
  /** Room codes that sit the given session. */
  roomsOfSession(sessionNo: number): Promise<string[]>;
  /** The encrypted exam content of a session (opaque to the site until key release). */
  encryptedContent(sessionNo: number): Promise<{ bytes: Buffer; sha256: string } | null>;
  /** The room's registration code, generated when data was first loaded. */
  registrationCodeOf(roomCode: string): Promise<string | null>;
  /** Restores registration codes (KDINFO restore after a reinstall). Unknown rooms are refused. */
  restoreRegistrationCodes(codes: Readonly<Record<string, string>>): Promise<void>;
  onChanged(listener: (e: ExamDataChanged) => void): () => void;
}

export const examDataServiceRef = createServiceRef<ExamDataService>('load.examData', '已载入的考务数据（考场、场次、考生）');

/** A file in a package that a certificate-specific plugin understands (R10.2). */
export interface PackageEntry {
  readonly name: string;
  readonly bytes: Buffer;
}

export interface PackageContentHandler {
  /** Stable id for logs and messages. */
  readonly id: string;
  /** Whether this handler owns an extra entry of the package (e.g. `vendor/<cert>/…`); the entry must be listed in the signed manifest. */
  matches(entryName: string): boolean;
  /** Throws an Error with a Chinese message to refuse the whole package. */
  validate(entry: PackageEntry, context: { siteCode: string; mode: 'formal' | 'mock'; releaseTime: string }): Promise<void>;
  /** Called after the package was committed. */
  accepted?(entry: PackageEntry, context: { siteCode: string; mode: 'formal' | 'mock'; releaseTime: string }): Promise<void>;
}

export const loadContentHandlersPoint = createExtensionPoint<PackageContentHandler>(
  'load.contentHandlers',
  '考场数据包中证书专用文件的处理器',
);


export { LOAD_STEP, loadChangedTopic, type LoadChangedEvent } from './contract';
/** Id of `loadChangedTopic`. */
export const LOAD_CHANGED_EVENT = loadChangedTopic.id;
