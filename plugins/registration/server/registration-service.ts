import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { AuditLog } from '../../../core/auth/audit';
import type { LiveEvents } from '../../../core/events/live-events';
import type { DataParticipant } from '../../../core/lifecycle/data-participants';
import { AppError, conflict, tooMany, unauthorized } from '../../../core/http/errors';
import type { Store } from '../../../core/store/store';
import { isoNow } from '../../../core/store/columns';
import type { ExamDataService } from '../../load/api';
import {
  registrationChangedTopic,
  registrationLocksTopic,
  type ProctorPrincipal,
  type RegistrationChangedEvent,
  type RegistrationDirectory,
  type RoomRegistration,
} from '../api';
import { KDINFO_DAMAGED_MESSAGE } from './kdinfo';
import { credentialHash, displayIp, newProctorCredential, registrationCodeMatches } from './proctor-credential';
import { isGuessLock, type GuessLock, type GuessLockView, type GuessThrottle } from './guess-throttle';
import { RegistrationRevocationRow, type RevocationReason } from './registration-revocation-row';
import { RoomRegistrationRow } from './room-registration-row';
import { formatChinaTime } from '../../../core/time/china-time';

export interface RegisterRequest {
  readonly roomCode: string;
  readonly registrationCode: string;
  readonly machineId: string;
  readonly clientVersion: string;
  readonly signingPublicKey?: string;
}

export interface RegisterResult {
  /** The bearer credential; shown only in this answer. */
  readonly token: string;
  readonly registration: RoomRegistration;
  /** True when this machine had already registered this room (idempotent re-registration). */
  readonly alreadyRegistered: boolean;
}

/** A registration as KDINFO carries it (credential hash, never the credential). */
export interface StoredRegistration extends RoomRegistration {
  readonly credentialHash: string;
}

export interface RestoreOutcome {
  readonly restored: string[];
  /** Rooms registered on this site since the reinstall: kept as they are. */
  readonly kept: { roomCode: string; reason: string }[];
  /** Registrations in the file that this site revoked since: never brought back. */
  readonly revoked: { roomCode: string; reason: string }[];
}

export const PROCTOR_REVOKED_MESSAGE = '本机注册已被考点撤销，请重新注册';

/**
 * 考场注册 (R3.2–R3.5): registers proctor PCs, authenticates their credentials, revokes
 * them. The credential → principal map is kept in memory (every proctor request reads it,
 * 1,000 heartbeats a second) and changed only after the database commit that backs it.
 */
export class RegistrationService implements RegistrationDirectory {
  private byCredential = new Map<string, ProctorPrincipal>();
  private readonly listeners = new Set<(roomCode: string) => void>();

  constructor(
    private readonly store: Store,
    private readonly examData: ExamDataService,
    private readonly audit: AuditLog,
    private readonly live: LiveEvents,
    private readonly throttle: GuessThrottle,
  ) {}

  async reload(): Promise<void> {
    const rows = await this.store.manager.find(RoomRegistrationRow);
    this.byCredential = new Map(rows.map((r) => [r.credentialHash, principalOf(r)]));
  }

  /** The proctor guard's check: who holds this credential (401 when none / revoked). */
  authenticate(token: string | undefined): ProctorPrincipal {
    if (!token) throw unauthorized('PROCTOR_NO_CREDENTIALS', '缺少监考机凭证（Authorization: Bearer …），请先注册本考场');
    // A map lookup by SHA-256 of a 256-bit random token: timing reveals nothing usable.
    const principal = this.byCredential.get(credentialHash(token));
    if (!principal) throw unauthorized('PROCTOR_REVOKED', PROCTOR_REVOKED_MESSAGE);
    return principal;
  }

  /**
   * `presentedToken` is the credential the caller holds, if any: re-registering a room that
   * is registered needs the current credential (machineId is no secret) or a revoke first.
   */
  async register(req: RegisterRequest, rawIp: string, presentedToken?: string): Promise<RegisterResult> {
    const ip = displayIp(rawIp);
    // Count first (R3.4): a point is taken before the comparison, so parallel guesses
    // cannot all slip past the limit while their comparisons are in flight.
    const ticket = await this.throttle.take(req.roomCode, ip);
    if (isGuessLock(ticket)) {
      await this.audit.record(`proctor@${ip}`, 'proctor.register.locked', { roomCode: req.roomCode, ip, machineId: req.machineId }, { coalesceBy: ip });
      throw lockedError(ticket, req.roomCode, ip);
    }
    let expected: string | null;
    try {
      if ((await this.examData.currentRelease()) === null) {
        throw conflict('EXAM_DATA_NOT_LOADED', '考点尚未载入考务数据，暂不能注册；请等考点管理员完成“载入考务”后再试');
      }
      expected = await this.examData.registrationCodeOf(req.roomCode);
    } catch (e) {
      await this.throttle.refund(ticket); // not compared: not a guess
      throw e;
    }
    if (!registrationCodeMatches(req.registrationCode, expected)) {
      const outcome = await this.throttle.failed(ticket);
      await this.audit.record(`proctor@${ip}`, 'proctor.register.failed', {
        roomCode: req.roomCode,
        ip,
        machineId: req.machineId,
        locked: outcome.lock?.scope ?? null,
      }, { coalesceBy: ip });
      if (outcome.lock) {
        this.live.publish(registrationLocksTopic, { ip });
        throw lockedError(outcome.lock, req.roomCode, ip);
      }
      throw unauthorized('REGISTRATION_CODE_WRONG', `考场代码或注册码错误，请核对考点下发的考场注册信息（还可尝试 ${outcome.remaining} 次）`);
    }
    await this.throttle.succeeded(ticket);

    const credential = newProctorCredential();
    const now = isoNow();
    const result = await this.store.write(async (em) => {
      // Writes are serialized: re-read the code inside our slot, so a newer release that
      // dropped (or re-coded) this room after the comparison cannot be registered into.
      if ((await this.examData.registrationCodeOf(req.roomCode)) !== expected) return { roomChanged: true as const };
      const existing = await em.findOneBy(RoomRegistrationRow, { roomCode: req.roomCode });
      const holdsCurrent = presentedToken !== undefined && existing !== null && credentialHash(presentedToken) === existing.credentialHash;
      if (existing && !holdsCurrent) return { conflictWith: existing };
      // The holder again: same registration, a fresh credential; the previous one ends for good.
      if (existing) await recordRevocation(em, existing, 'reregistered', now);
      const row: RoomRegistrationRow = {
        roomCode: req.roomCode,
        registrationId: existing?.registrationId ?? randomUUID(),
        machineId: req.machineId,
        ip,
        clientVersion: req.clientVersion,
        registeredAt: existing?.registeredAt ?? now,
        credentialHash: credential.hash,
        signingPublicKey: req.signingPublicKey ?? existing?.signingPublicKey ?? null,
        source: existing?.source ?? 'register',
      };
      await em.save(RoomRegistrationRow, row);
      return { row, previous: existing };
    });
    if ('roomChanged' in result) {
      throw conflict('ROOM_DATA_CHANGED', `考场 ${req.roomCode} 的考务数据刚刚更新（该考场已不在新数据中或注册码已变化），请核对考点下发的最新考场注册信息后重新注册`);
    }
    if ('conflictWith' in result) {
      const other = result.conflictWith!;
      await this.audit.record(`proctor@${ip}`, 'proctor.register.conflict', { roomCode: req.roomCode, ip, machineId: req.machineId, registeredIp: other.ip }, { coalesceBy: ip });
      // The holder's address is for the administrator (audit, 考场注册), not for whoever asks.
      throw conflict(
        'ROOM_ALREADY_REGISTERED',
        `考场 ${req.roomCode} 已有监考机注册。若本机就是该考场的监考机，请带上本机保存的凭证重新注册；如需更换监考机，请考点管理员先在“考场注册”中撤销该考场的注册`,
      );
    }
    const { row, previous } = result;
    if (previous) this.byCredential.delete(previous.credentialHash);
    this.byCredential.set(row.credentialHash, principalOf(row));
    await this.audit.record(`proctor@${ip}`, previous ? 'proctor.reregistered' : 'proctor.registered', {
      roomCode: row.roomCode,
      ip,
      machineId: row.machineId,
      clientVersion: row.clientVersion,
    });
    this.changed({ roomCode: row.roomCode, action: 'registered' });
    return { token: credential.token, registration: publicOf(row), alreadyRegistered: previous !== null };
  }

  async revoke(roomCode: string, actor: string): Promise<RoomRegistration> {
    const removed = await this.store.write(async (em) => {
      const row = await em.findOneBy(RoomRegistrationRow, { roomCode });
      if (row) {
        await em.delete(RoomRegistrationRow, { roomCode });
        await recordRevocation(em, row, 'revoked', isoNow());
      }
      return row;
    });
    if (!removed) throw conflict('ROOM_NOT_REGISTERED', `考场 ${roomCode} 尚未注册，无需撤销`);
    this.byCredential.delete(removed.credentialHash);
    await this.audit.record(actor, 'registration.revoked', { roomCode, ip: removed.ip, machineId: removed.machineId });
    this.changed({ roomCode, action: 'revoked' });
    return publicOf(removed);
  }

  /**
   * A newer release that drops rooms ends their registrations (R2.5, R3.3): a proctor of a
   * room that no longer exists must not keep a valid credential. The credentials stop
   * working at once (the in-memory map is what every proctor request reads); the rows are
   * then deleted and each revocation audited. Called with the room codes of the release
   * just committed (examData.onChanged), and at start with the loaded rooms, which catches
   * a stop between the load's commit and this clean-up.
   */
  async revokeDroppedRooms(presentRoomCodes: readonly string[], releaseTime: string): Promise<string[]> {
    const present = new Set(presentRoomCodes);
    for (const [hash, principal] of this.byCredential) {
      if (!present.has(principal.roomCode)) this.byCredential.delete(hash);
    }
    const removed = await this.store.write(async (em) => {
      const dropped = (await em.find(RoomRegistrationRow)).filter((r) => !present.has(r.roomCode));
      for (const r of dropped) {
        await em.delete(RoomRegistrationRow, { roomCode: r.roomCode });
        await recordRevocation(em, r, 'dropped', isoNow());
      }
      return dropped;
    });
    for (const r of removed) {
      this.byCredential.delete(r.credentialHash);
      await this.audit.record('system', 'registration.revoked', {
        roomCode: r.roomCode,
        ip: r.ip,
        machineId: r.machineId,
        reason: `新发布的考务数据（发布时间 ${formatChinaTime(releaseTime)}）中已没有考场 ${r.roomCode}，其注册自动撤销`,
      });
      this.changed({ roomCode: r.roomCode, action: 'revoked' });
    }
    return removed.map((r) => r.roomCode);
  }

  async list(): Promise<RoomRegistration[]> {
    return (await this.store.manager.find(RoomRegistrationRow, { order: { roomCode: 'ASC' } })).map(publicOf);
  }

  async of(roomCode: string): Promise<RoomRegistration | null> {
    const row = await this.store.manager.findOneBy(RoomRegistrationRow, { roomCode });
    return row ? publicOf(row) : null;
  }

  /** Everything KDINFO needs to bring these registrations back. */
  async stored(): Promise<StoredRegistration[]> {
    const rows = await this.store.manager.find(RoomRegistrationRow, { order: { roomCode: 'ASC' } });
    return rows.map((r) => ({ ...publicOf(r), credentialHash: r.credentialHash }));
  }

  /** Credential hashes this site ended (revoke, re-registration, dropped room); KDINFO carries them. */
  async revokedCredentials(): Promise<string[]> {
    return (await this.store.manager.find(RegistrationRevocationRow, { order: { revokedAt: 'ASC' } })).map((r) => r.credentialHash);
  }

  /**
   * Refuses a KDINFO whose registrations could not all be applied (duplicate rooms or
   * credentials, a credential already held by another room) before anything is changed.
   */
  async assertRestorable(registrations: readonly StoredRegistration[]): Promise<void> {
    const rooms = new Set(registrations.map((r) => r.roomCode));
    const hashes = new Set(registrations.map((r) => r.credentialHash));
    let clash = rooms.size !== registrations.length || hashes.size !== registrations.length;
    for (const row of await this.store.manager.find(RoomRegistrationRow)) {
      const inFile = registrations.find((r) => r.credentialHash === row.credentialHash);
      if (inFile && inFile.roomCode !== row.roomCode) clash = true;
    }
    if (clash) throw new AppError(400, 'KDINFO_DAMAGED', KDINFO_DAMAGED_MESSAGE);
  }

  /**
   * 恢复注册 (R3.5): puts back registrations from KDINFO with their credential hashes, so
   * proctors keep their credentials. A room registered here since the reinstall is kept.
   * A credential this site ended after the file was written stays ended (issue 10 point 3):
   * the revocation list is kept here, carried in every later KDINFO and merged back by a
   * restore, so an older file restored after a newer one cannot bring it back either.
   */
  async restore(registrations: readonly StoredRegistration[], actor: string, revokedInFile: readonly string[] = []): Promise<RestoreOutcome> {
    const outcome = await this.store.write(async (em) => {
      const restored: RoomRegistrationRow[] = [];
      const kept: { roomCode: string; reason: string }[] = [];
      const revoked: { roomCode: string; reason: string }[] = [];
      const now = isoNow();
      for (const hash of revokedInFile) {
        if (!(await em.existsBy(RegistrationRevocationRow, { credentialHash: hash }))) {
          await em.insert(RegistrationRevocationRow, { credentialHash: hash, roomCode: '', registrationId: '', revokedAt: now, reason: 'imported' });
        }
      }
      for (const r of registrations) {
        if (await em.existsBy(RegistrationRevocationRow, { credentialHash: r.credentialHash })) {
          revoked.push({ roomCode: r.roomCode, reason: `考场 ${r.roomCode} 的这次注册已被本考点撤销，不再恢复；该考场的监考机需重新注册` });
          continue;
        }
        const existing = await em.findOneBy(RoomRegistrationRow, { roomCode: r.roomCode });
        if (existing && existing.credentialHash !== r.credentialHash) {
          kept.push({ roomCode: r.roomCode, reason: `考场 ${r.roomCode} 已由 IP ${existing.ip} 的监考机重新注册，保留当前注册` });
          continue;
        }
        const row: RoomRegistrationRow = {
          roomCode: r.roomCode,
          registrationId: r.registrationId,
          machineId: r.machineId,
          ip: r.ip,
          clientVersion: r.clientVersion,
          registeredAt: r.registeredAt,
          credentialHash: r.credentialHash,
          signingPublicKey: r.signingPublicKey,
          source: 'restore',
        };
        // A credential hash must stay unique: a copy under another room would be a forgery.
        const clash = await em.findOneBy(RoomRegistrationRow, { credentialHash: r.credentialHash });
        if (clash && clash.roomCode !== r.roomCode) {
          throw new AppError(400, 'KDINFO_DAMAGED', KDINFO_DAMAGED_MESSAGE);
        }
        await em.save(RoomRegistrationRow, row);
        restored.push(row);
      }
      await this.audit.record(actor, 'registration.restored', {
        rooms: restored.map((r) => r.roomCode),
        kept: kept.map((k) => k.roomCode),
        revoked: revoked.map((k) => k.roomCode),
      });
      // The credential cache and the UI follow the commit of the caller's unit of work (恢复注册
      // writes registration codes in the same one).
      this.store.afterCommit(() => {
        for (const row of restored) this.byCredential.set(row.credentialHash, principalOf(row));
        this.changed({ roomCode: null, action: 'restored' });
      });
      return { restored, kept, revoked };
    });
    return { restored: outcome.restored.map((r) => r.roomCode), kept: outcome.kept, revoked: outcome.revoked };
  }

  /** 系统初始化 (R9.3): every registration goes, so every proctor credential fails at once. */
  dataParticipant(): DataParticipant {
    return {
      label: '考场注册',
      clear: async (em) => {
        await em.clear(RoomRegistrationRow);
      },
      afterClear: () => {
        this.byCredential.clear();
        this.changed({ roomCode: null, action: 'cleared' });
      },
    };
  }

  /** Registration-code locks in force (issue 10 point 2: the administrator sees them). */
  locks(): GuessLockView[] {
    return this.throttle.list();
  }

  async clearLock(ip: string, roomCode: string | null, actor: string): Promise<boolean> {
    const existed = await this.throttle.clear(ip, roomCode);
    if (existed) {
      await this.audit.record(actor, 'proctor.register.unlocked', { ip, roomCode });
      this.live.publish(registrationLocksTopic, { ip });
    }
    return existed;
  }

  onChanged(listener: (roomCode: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(event: RegistrationChangedEvent): void {
    this.live.publish(registrationChangedTopic, event);
    for (const l of this.listeners) {
      try {
        l(event.roomCode ?? '*');
      } catch {
        // A failing listener must not undo a committed registration.
      }
    }
  }
}

function principalOf(r: RoomRegistrationRow): ProctorPrincipal {
  return { roomCode: r.roomCode, machineId: r.machineId, registrationId: r.registrationId, ip: r.ip };
}

function publicOf(r: RoomRegistrationRow): RoomRegistration {
  return {
    roomCode: r.roomCode,
    registrationId: r.registrationId,
    ip: r.ip,
    machineId: r.machineId,
    clientVersion: r.clientVersion,
    registeredAt: r.registeredAt,
    signingPublicKey: r.signingPublicKey ?? null,
  };
}

function lockedError(lock: GuessLock, roomCode: string, ip: string): AppError {
  const minutes = Math.ceil(lock.retryAfterSeconds / 60);
  const what = lock.scope === 'room-address' ? `本机（${ip}）对考场 ${roomCode} 的注册码错误次数过多` : `本机（${ip}）注册码错误次数过多`;
  return tooMany(`${what}，已暂时锁定，请 ${minutes} 分钟后再试，或请考点管理员在“考场注册”中解除锁定`, lock.retryAfterSeconds);
}

async function recordRevocation(em: EntityManager, row: RoomRegistrationRow, reason: RevocationReason, at: string): Promise<void> {
  await em.insert(RegistrationRevocationRow, { credentialHash: row.credentialHash, roomCode: row.roomCode, registrationId: row.registrationId, revokedAt: at, reason });
}
