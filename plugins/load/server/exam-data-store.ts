import type { EntityManager } from 'typeorm';
import { In } from 'typeorm';
import { AppError } from '../../../core/http/errors';
import type { DataParticipant } from '../../../core/lifecycle/data-participants';
import type { Store } from '../../../core/store/store';
import { WriteQueue } from '../../../core/store/write-queue';
import type {
  CandidateInfo,
  ExamDataChanged,
  ExamDataService,
  ReleaseInfo,
  RoomData,
  RoomSummary,
  SessionInfo,
  SubjectInfo,
} from '../api';
import { PACKAGE_FORMAT_VERSION, registrationCodeSchema } from '../api/package-format';
import { bulkInsert, deleteAllRows, nextTurn } from './bulk-insert';
import type { ContentFileStore } from './content-file-store';
import { LoadCandidateRow, LoadReleaseRow, LoadRoomRow, LoadSessionRow } from './entities';
import { packageRefused } from './package/package-refusal';
import type { VerifiedPackage } from './package/package-verifier';
import { newRegistrationCode } from './registration-code';
import { formatChinaTime } from '../../../core/time/china-time';

const RELEASE_ID = 1;
/** Rooms whose rows are built between two turns of the event loop during a replacement. */
const ROOMS_PER_TURN = 50;

export interface ReplaceOptions {
  readonly source: 'online' | 'manual';
  readonly packageBytes: number;
  readonly now: string;
}

export interface ReplaceOutcome {
  readonly release: ReleaseInfo;
  readonly roomCodes: readonly string[];
  readonly keptRegistrationCodes: number;
}

/**
 * The loaded exam data (R2): rooms, sessions, candidates and the sealed content files.
 * A package replaces everything in one transaction, keeping each remaining room's
 * registration code so registered proctor PCs keep working.
 */
export class ExamDataStore implements ExamDataService {
  private readonly listeners = new Set<(e: ExamDataChanged) => void>();
  /**
   * Content files are shared by address between imports: one import's clean-up (files it
   * created, files made obsolete) must never run while another is between its put and its
   * commit, or a committed session would point at a deleted file. One change at a time.
   */
  private readonly changes = new WriteQueue();
  /**
   * Open while a package's rows are being replaced. On SQLite the replacement yields to the
   * event loop between batches (heartbeats must not stall, issue 11 point 9) and reads share
   * the writing connection, so they would see half-written rows: the reads below wait until
   * the replacement has committed or rolled back.
   */
  private replacing: Promise<void> | null = null;

  constructor(
    private readonly store: Store,
    readonly content: ContentFileStore,
  ) {}

  /** Waits for a replacement in progress (see `replacing`). */
  private async settled(): Promise<void> {
    if (this.replacing) await this.replacing;
  }

  async currentRelease(): Promise<ReleaseInfo | null> {
    await this.settled();
    const row = await this.store.manager.findOneBy(LoadReleaseRow, { id: RELEASE_ID });
    return row ? toReleaseInfo(row) : null;
  }

  /** The stored row with the last check message, for the panel. */
  async releaseRow(): Promise<LoadReleaseRow | null> {
    await this.settled();
    return this.store.manager.findOneBy(LoadReleaseRow, { id: RELEASE_ID });
  }

  async listRooms(): Promise<RoomSummary[]> {
    await this.settled();
    const rows = await this.store.manager.find(LoadRoomRow, { order: { roomCode: 'ASC' } });
    return rows.map((r) => ({
      roomCode: r.roomCode,
      sessionCount: parseSessionNos(r).length,
      candidateCount: r.candidateCount,
      loadedAt: r.loadedAt,
      registrationCode: r.registrationCode,
    }));
  }

  /** Rows of the 导入考务 table. */
  async listRoomsWithNames(): Promise<{ roomCode: string; roomName: string; sessionCount: number; candidateCount: number; loadedAt: string }[]> {
    await this.settled();
    const rows = await this.store.manager.find(LoadRoomRow, { order: { roomCode: 'ASC' } });
    return rows.map((r) => ({
      roomCode: r.roomCode,
      roomName: r.name,
      sessionCount: parseSessionNos(r).length,
      candidateCount: r.candidateCount,
      loadedAt: r.loadedAt,
    }));
  }

  async room(roomCode: string): Promise<RoomData | null> {
    await this.settled();
    const row = await this.store.manager.findOneBy(LoadRoomRow, { roomCode });
    if (!row) return null;
    const nos = parseSessionNos(row);
    const sessions = (await this.sessions()).filter((s) => nos.includes(s.no));
    const candidates = await this.store.manager.find(LoadCandidateRow, {
      where: { roomCode },
      order: { sessionNo: 'ASC', seatNo: 'ASC' },
    });
    return {
      roomCode: row.roomCode,
      roomName: row.name,
      address: row.address,
      seats: { rows: row.seatRows, columns: row.seatColumns },
      sessions,
      candidates: candidates.map(toCandidateInfo),
    };
  }

  async sessions(): Promise<SessionInfo[]> {
    await this.settled();
    const rows = await this.store.manager.find(LoadSessionRow, { order: { no: 'ASC' } });
    return rows.map((r) => ({
      no: r.no,
      name: r.name,
      startsAt: r.startsAt,
      durationMinutes: r.durationMinutes,
      subjects: JSON.parse(r.subjects) as SubjectInfo[],
    }));
  }

  async roomsOfSession(sessionNo: number): Promise<string[]> {
    await this.settled();
    const rows = await this.store.manager.find(LoadRoomRow, { order: { roomCode: 'ASC' } });
    return rows.filter((r) => parseSessionNos(r).includes(sessionNo)).map((r) => r.roomCode);
  }

  async encryptedContent(sessionNo: number): Promise<{ bytes: Buffer; sha256: string } | null> {
    await this.settled();
    const row = await this.store.manager.findOneBy(LoadSessionRow, { no: sessionNo });
    if (!row) return null;
    const bytes = await this.content.get(row.contentSha256);
    return bytes ? { bytes, sha256: row.contentSha256 } : null;
  }

  async registrationCodeOf(roomCode: string): Promise<string | null> {
    await this.settled();
    const row = await this.store.manager.findOne(LoadRoomRow, { where: { roomCode }, select: { roomCode: true, registrationCode: true } });
    return row?.registrationCode ?? null;
  }

  async restoreRegistrationCodes(codes: Readonly<Record<string, string>>): Promise<void> {
    const entries = Object.entries(codes);
    for (const [roomCode, code] of entries) {
      if (!registrationCodeSchema.safeParse(code).success) {
        throw new AppError(422, 'REGISTRATION_CODE_INVALID', `考场 ${roomCode} 的注册码格式错误，应为 8 位大写字母或数字（不含 0、O、1、I）`);
      }
    }
    await this.store.write(async (em) => {
      const rows = await em.findBy(LoadRoomRow, { roomCode: In(entries.map(([r]) => r)) });
      const known = new Set(rows.map((r) => r.roomCode));
      const unknown = entries.map(([r]) => r).filter((r) => !known.has(r));
      if (unknown.length > 0) {
        throw new AppError(422, 'ROOM_UNKNOWN', `考场 ${unknown.slice(0, 5).join('、')} 不在已载入的考务数据中，请先载入本考点的考务数据再恢复注册`);
      }
      for (const [roomCode, registrationCode] of entries) await em.update(LoadRoomRow, { roomCode }, { registrationCode });
    });
  }

  onChanged(listener: (e: ExamDataChanged) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Replaces the loaded data with a verified package in one transaction. Content files are
   * written (durably) before the commit; files no longer referenced are removed after it.
   */
  replace(pkg: VerifiedPackage, options: ReplaceOptions): Promise<ReplaceOutcome> {
    return this.changes.run(() => this.replaceNow(pkg, options));
  }

  private async replaceNow(pkg: VerifiedPackage, options: ReplaceOptions): Promise<ReplaceOutcome> {
    const written: string[] = [];
    for (const c of pkg.contents) if (await this.content.put(c.bytes, c.sha256)) written.push(c.sha256);
    let outcome: ReplaceOutcome & { obsolete: string[] };
    // Opened when the transaction really starts (a write queued before it may still read), closed once it ended.
    let close!: () => void;
    const gate = new Promise<void>((resolve) => (close = resolve));
    try {
      outcome = await this.store.write((em) => {
        this.replacing = gate;
        return this.replaceIn(em, pkg, options);
      });
    } catch (e) {
      // Files this attempt created are referenced by nothing now.
      await this.content.remove(written);
      throw e;
    } finally {
      if (this.replacing === gate) this.replacing = null;
      close();
    }
    await this.content.remove(outcome.obsolete);
    const event: ExamDataChanged = { releaseTime: outcome.release.releaseTime, roomCodes: outcome.roomCodes };
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        // A listener's failure must not undo a committed load.
      }
    }
    return { release: outcome.release, roomCodes: outcome.roomCodes, keptRegistrationCodes: outcome.keptRegistrationCodes };
  }

  private async replaceIn(em: EntityManager, pkg: VerifiedPackage, options: ReplaceOptions): Promise<ReplaceOutcome & { obsolete: string[] }> {
    const m = pkg.manifest;
    // Checked again under the write queue: a concurrent import may have committed meanwhile.
    const current = await em.findOneBy(LoadReleaseRow, { id: RELEASE_ID });
    if (current && Date.parse(m.releaseTime) <= Date.parse(current.releaseTime)) {
      throw packageRefused('PACKAGE_NOT_NEWER', `已载入发布时间为 ${formatChinaTime(current.releaseTime)} 的数据，该数据包（发布时间 ${formatChinaTime(m.releaseTime)}）不是更新的版本`);
    }
    const oldRooms = await em.find(LoadRoomRow, { select: { roomCode: true, registrationCode: true } });
    const oldSessions = await em.find(LoadSessionRow, { select: { no: true, contentSha256: true } });
    const codeOf = new Map(oldRooms.map((r) => [r.roomCode, r.registrationCode]));
    const taken = new Set(codeOf.values());

    for (const entity of [LoadCandidateRow, LoadSessionRow, LoadRoomRow]) await deleteAllRows(em, em.connection.getMetadata(entity).tableName);

    let kept = 0;
    const roomRows: LoadRoomRow[] = [];
    const candidateRows: LoadCandidateRow[] = [];
    for (const [i, file] of pkg.rooms.entries()) {
      // A turn of the event loop now and then: 1,000 rooms of candidates are built here.
      if (i > 0 && i % ROOMS_PER_TURN === 0) await nextTurn();
      const meta = m.rooms[i]!;
      let code = codeOf.get(file.roomCode);
      if (code) kept++;
      else {
        code = newRegistrationCode(taken);
        taken.add(code);
      }
      let candidateCount = 0;
      for (const s of file.sessions) {
        for (const c of s.candidates) {
          candidateCount++;
          candidateRows.push({
            roomCode: file.roomCode,
            sessionNo: s.no,
            seatNo: c.seatNo,
            ticketNo: c.ticketNo,
            name: c.name,
            gender: c.gender,
            idCardMasked: c.idCardMasked,
            subjectCodes: c.subjectCodes.join(','),
          });
        }
      }
      roomRows.push({
        roomCode: file.roomCode,
        name: meta.name,
        address: meta.address,
        seatRows: file.seats.rows,
        seatColumns: file.seats.columns,
        sessionNos: JSON.stringify(file.sessions.map((s) => s.no).sort((a, b) => a - b)),
        candidateCount,
        registrationCode: code,
        loadedAt: options.now,
      });
    }
    const contentOf = new Map(pkg.contents.map((c) => [c.sessionNo, c]));
    const sessionRows: LoadSessionRow[] = m.sessions.map((s) => ({
      no: s.no,
      name: s.name,
      startsAt: s.startsAt,
      durationMinutes: s.durationMinutes,
      subjects: JSON.stringify(s.subjects),
      contentSha256: contentOf.get(s.no)!.sha256,
      contentBytes: contentOf.get(s.no)!.bytes.length,
    }));
    await insertRows(em, LoadRoomRow, roomRows);
    await insertRows(em, LoadSessionRow, sessionRows);
    await insertRows(em, LoadCandidateRow, candidateRows);

    const release: LoadReleaseRow = {
      id: RELEASE_ID,
      formatVersion: PACKAGE_FORMAT_VERSION,
      siteCode: m.siteCode,
      mode: m.mode,
      releaseTime: m.releaseTime,
      manifestSha256: pkg.manifestSha256,
      packageBytes: options.packageBytes,
      loadedAt: options.now,
      manualImportAt: options.source === 'manual' ? options.now : null,
      verified: false,
      verifiedAt: null,
      resultEncryptionKey: m.resultEncryptionKey ?? null,
      checkMessage: null,
    };
    await em.save(LoadReleaseRow, release);
    const keep = new Set(sessionRows.map((s) => s.contentSha256));
    return {
      release: toReleaseInfo(release),
      roomCodes: roomRows.map((r) => r.roomCode),
      keptRegistrationCodes: kept,
      obsolete: oldSessions.map((s) => s.contentSha256).filter((s) => !keep.has(s)),
    };
  }

  /** Records the outcome of the release check (校验) against the centre. */
  async recordCheck(manifestSha256: string, outcome: { verified: boolean; at: string; message: string | null }): Promise<ReleaseInfo | null> {
    return this.store.write(async (em) => {
      const row = await em.findOneBy(LoadReleaseRow, { id: RELEASE_ID });
      // The package may have been replaced while the centre was asked: the answer is stale.
      if (!row || row.manifestSha256 !== manifestSha256) return row ? toReleaseInfo(row) : null;
      row.verified = outcome.verified;
      row.verifiedAt = outcome.verified ? outcome.at : null;
      row.checkMessage = outcome.message;
      await em.save(LoadReleaseRow, row);
      return toReleaseInfo(row);
    });
  }

  /**
   * Initialization (R9.3): every loaded row goes in the initialization's unit of work,
   * behind a package being stored; the content files follow once that committed (a crash
   * in between leaves files the start-up sweep removes).
   */
  dataParticipant(): DataParticipant {
    return {
      label: '考务数据',
      folders: [this.content.dir],
      hold: (work) => this.changes.run(work),
      clear: async (em) => {
        await em.createQueryBuilder().delete().from(LoadCandidateRow).execute();
        await em.createQueryBuilder().delete().from(LoadSessionRow).execute();
        await em.createQueryBuilder().delete().from(LoadRoomRow).execute();
        await em.createQueryBuilder().delete().from(LoadReleaseRow).execute();
      },
      afterClear: async () => {
        await this.content.sweep(new Set());
      },
    };
  }

  /** Content files referenced by the database (for the start-up sweep). */
  async referencedContent(): Promise<Set<string>> {
    await this.settled();
    const rows = await this.store.manager.find(LoadSessionRow, { select: { no: true, contentSha256: true } });
    return new Set(rows.map((r) => r.contentSha256));
  }
}

/** Bulk insert by the entity's own table and column names (metadata, not hand-written SQL names). */
async function insertRows<T extends object>(em: EntityManager, entity: new () => T, rows: T[]): Promise<void> {
  const meta = em.connection.getMetadata(entity);
  const columns = meta.columns.map((c) => ({ db: c.databaseName, prop: c.propertyName }));
  await bulkInsert(
    em,
    meta.tableName,
    columns.map((c) => c.db),
    rows,
    (r) => columns.map((c) => (r as Record<string, unknown>)[c.prop]),
  );
}

function parseSessionNos(row: LoadRoomRow): number[] {
  return JSON.parse(row.sessionNos) as number[];
}

function toCandidateInfo(r: LoadCandidateRow): CandidateInfo {
  return {
    ticketNo: r.ticketNo,
    name: r.name,
    gender: r.gender,
    idCardMasked: r.idCardMasked,
    sessionNo: r.sessionNo,
    seatNo: r.seatNo,
    subjectCodes: r.subjectCodes.split(','),
  };
}

function toReleaseInfo(r: LoadReleaseRow): ReleaseInfo {
  return {
    siteCode: r.siteCode,
    mode: r.mode,
    releaseTime: r.releaseTime,
    loadedAt: r.loadedAt,
    manualImportAt: r.manualImportAt,
    verified: r.verified,
    verifiedAt: r.verifiedAt,
    manifestSha256: r.manifestSha256,
    resultEncryptionKey: r.resultEncryptionKey ?? null,
  };
}
