import { LOAD_STEP } from '../../load/api/contract';
import { AUTHORIZATION_STEP, CLOCK_CALIBRATION_PLACE, VERIFICATION_STEP } from '../api/contract';
import { isCentreError } from '../../../core/centre/centre-error';
import type { GoTo } from '../../../core/http/guidance';
import { timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import type { AuditLog } from '../../../core/auth/audit';
import type { CentreClient } from '../../../core/centre/centre-client';
import { authorizationCentreEndpoints } from '../api/centre-endpoints';
import type { TrustedClock } from '../../../core/clock/trusted-clock';
import { openBytes } from '../../../core/crypto/seal';
import { isTrustError, TrustError } from '../../../core/crypto/trust-error';
import type { WrappedKey } from '../../../core/crypto/wrap';
import type { Dongle } from '../../../core/dongle/dongle';
import type { DongleService } from '../../../core/dongle/dongle-service';
import type { LiveEvents } from '../../../core/events/live-events';
import type { DataParticipant } from '../../../core/lifecycle/data-participants';
import { AppError, conflict, forbidden, notFound } from '../../../core/http/errors';
import { MODE_LABEL, type ExamMode, type SiteSettings } from '../../../core/settings/site-settings';
import type { Store } from '../../../core/store/store';
import type { ExamDataService, SessionInfo } from '../../load/api';
import { contentAad } from '../../load/api/package-format';
import {
  authorizationChangedTopic,
  AUTHORIZATION_KIND,
  MAX_PTQ_BYTES,
  MAX_VERIFICATION_BYTES,
  VERIFICATION_FORMAT_VERSION,
  VERIFICATION_KIND,
  authorizationKeyAad,
  authorizationPayloadSchema,
  sealKeyForProctor,
  verificationPayloadSchema,
  type AuthorizationChangedEvent,
  type AuthorizationDirectory,
  type AuthorizationPayload,
  type AuthorizationSource,
  type ReleasedKey,
  type SessionAuthorizationStatus,
} from '../api';
import { SessionAuthorizationRow } from './session-authorization-row';
import { windowOf } from './session-window';
import { readSignedFile } from './signed-file-reader';
import { formatChinaTime } from '../../../core/time/china-time';

export interface AuthorizationServiceOptions {
  readonly store: Store;
  readonly settings: SiteSettings;
  readonly dongles: DongleService;
  readonly clock: TrustedClock;
  readonly centre: CentreClient;
  readonly examData: ExamDataService;
  readonly live: LiveEvents;
  readonly audit: AuditLog;
  readonly logger: Logger;
  /** Pinned centre public keys. */
  readonly trustedKeys: readonly string[];
  /** 授权验证 opens this long before 开考时间 (default 60). */
  readonly verificationLeadMinutes: number;
  /** The calibration warning shows from this long before a session until its end. */
  readonly calibrationWarnLeadMinutes: number;
  /** The PC clock, read only for logs and advisory checks (never for time windows). */
  readonly pcNow?: () => number;
}

export interface ImportOutcome {
  readonly session: SessionAuthorizationStatus;
  /** True when the very same authorization was already held (nothing changed). */
  readonly unchanged: boolean;
}

export interface DownloadResult {
  readonly sessionNo: number;
  readonly ok: boolean;
  readonly code?: string;
  readonly message?: string;
  /** A step to do first (no manual import helps then). */
  readonly goTo?: GoTo;
}


export interface CalibrationAdvice {
  readonly calibrated: boolean;
  readonly stale: boolean;
  readonly trustedTime: string | null;
  readonly driftMs: number | null;
  readonly lastCalibration: { at: string; source: string; tokenTime: string } | null;
  /** The session that is near (within the warning lead) or running, if any. */
  readonly nearSession: { sessionNo: number; name: string; startsAt: string } | null;
  readonly warning: string | null;
  readonly warnLeadMinutes: number;
}

interface SiteContext {
  readonly siteCode: string;
  readonly mode: ExamMode;
}

/**
 * 考试授权 (R4) and 授权验证 (R6.2, R6.3). Authorizations are checked completely before
 * anything is stored; windows are judged on the dongle's trusted clock only; the content
 * key is unwrapped by the dongle into memory and handed to proctors sealed for their
 * credentials — it is never written anywhere.
 */
export class AuthorizationService implements AuthorizationDirectory {
  private readonly keys = new Map<string, Buffer>();
  private readonly listeners = new Set<(sessionNo: number | null) => void>();
  private readonly pcNow: () => number;
  private queue: Promise<unknown> = Promise.resolve();
  /** Grows with every initialization: work started before an initialization must not land after it. */
  private generation = 0;

  constructor(private readonly o: AuthorizationServiceOptions) {
    // Read Date.now at call time (not a captured reference), as the trusted clock does.
    this.pcNow = o.pcNow ?? (() => Date.now());
    o.settings.onChange(() => this.forgetKeys(null));
    o.examData.onChanged(() => {
      // A new package means new content keys: held authorizations may no longer count.
      this.forgetKeys(null);
      this.changed({ sessionNo: null, action: 'authorized' });
    });
  }

  // ---- directory ----------------------------------------------------------------------

  async list(): Promise<SessionAuthorizationStatus[]> {
    const site = this.o.settings.get();
    const sessions = await this.o.examData.sessions();
    if (!site.siteCode) return sessions.map((s) => this.statusOf(s, null, null, null));
    const [rows, release] = await Promise.all([
      this.o.store.manager.find(SessionAuthorizationRow, { where: { mode: site.mode } }),
      this.o.examData.currentRelease(),
    ]);
    const byNo = new Map(rows.map((r) => [r.sessionNo, r]));
    const dongleId = this.o.dongles.current()?.id() ?? null;
    return sessions.map((s) => this.statusOf(s, byNo.get(s.no) ?? null, release?.manifestSha256 ?? null, dongleId));
  }

  async of(sessionNo: number): Promise<SessionAuthorizationStatus | null> {
    return (await this.list()).find((s) => s.sessionNo === sessionNo) ?? null;
  }

  onChanged(listener: (sessionNo: number | null) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- 考试授权 ------------------------------------------------------------------------

  /** 考试授权 button: downloads every session's authorization; failures are listed, not thrown. */
  async downloadAll(actor: string): Promise<DownloadResult[]> {
    const site = this.requireSite();
    const sessions = await this.requireSessions();
    const dongle = this.o.dongles.assertUsableFor(site.mode);
    const generation = this.generation;
    const results: DownloadResult[] = [];
    for (const s of sessions) {
      try {
        const bytes = await (await this.o.centre.call(authorizationCentreEndpoints.authorization, { siteCode: site.siteCode, mode: site.mode, sessionNo: s.no, dongleId: dongle.id() })).bytes;
        await this.serialized(() => this.doImport(bytes, 'online', actor, s.no, generation));
        results.push({ sessionNo: s.no, ok: true });
      } catch (e) {
        if (isCentreError(e) && e.centreCode === 'DONGLE_NOT_REGISTERED') {
          // Not a network failure: the centre does not know this dongle yet; a .PTQ file would not exist either.
          results.push({
            sessionNo: s.no,
            ok: false,
            code: 'DONGLE_NOT_REGISTERED',
            message: `本机考锁尚未在监控平台注册，无法获取考试授权。请先完成${VERIFICATION_STEP.label}中的“机考锁注册”（右侧“机考锁校时”框），再回到本步骤点击“考试授权”。`,
            goTo: CLOCK_CALIBRATION_PLACE,
          });
          continue;
        }
        const { code, message } = describeError(e);
        if (code === 'INTERNAL_ERROR') this.o.logger.error({ err: e, sessionNo: s.no }, '下载考试授权出错');
        results.push({ sessionNo: s.no, ok: false, code, message });
      }
    }
    return results;
  }

  /** Imports one .PTQ (downloaded or chosen by the admin). `expectedSessionNo`: the dialog's row. */
  importAuthorization(bytes: Buffer, source: AuthorizationSource, actor: string, expectedSessionNo?: number): Promise<ImportOutcome> {
    const generation = this.generation;
    return this.serialized(() => this.doImport(bytes, source, actor, expectedSessionNo, generation));
  }

  /** `generation`: this.generation when the import was asked for (see clearAll). */
  private async doImport(bytes: Buffer, source: AuthorizationSource, actor: string, expectedSessionNo: number | undefined, generation: number): Promise<ImportOutcome> {
    this.requireGeneration(generation);
    const site = this.requireSite();
    const { payload, envelopeText } = readSignedFile(bytes, this.o.trustedKeys, {
      label: '考试授权文件',
      kind: AUTHORIZATION_KIND,
      maxBytes: MAX_PTQ_BYTES,
      schema: authorizationPayloadSchema,
      codePrefix: 'AUTHORIZATION',
    });
    if (payload.siteCode !== site.siteCode) {
      throw new TrustError('AUTHORIZATION_FOREIGN_SITE', `授权文件考点代码 ${payload.siteCode} 与本考点 ${site.siteCode} 不一致；请获取本考点的考试授权文件`);
    }
    if (payload.mode !== site.mode) {
      throw new TrustError(
        'AUTHORIZATION_WRONG_MODE',
        `授权文件用于${MODE_LABEL[payload.mode]}，当前是${MODE_LABEL[site.mode]}；请获取${MODE_LABEL[site.mode]}的考试授权文件`,
      );
    }
    if (expectedSessionNo !== undefined && payload.sessionNo !== expectedSessionNo) {
      throw new TrustError(
        'AUTHORIZATION_WRONG_SESSION',
        `所选文件是第 ${payload.sessionNo} 场次的考试授权，不是第 ${expectedSessionNo} 场次的；请选择第 ${expectedSessionNo} 场次的 .PTQ 文件`,
      );
    }
    const sessions = await this.requireSessions();
    const session = sessions.find((s) => s.no === payload.sessionNo);
    if (!session) {
      throw new TrustError(
        'AUTHORIZATION_WRONG_SESSION',
        `已载入的考务数据中没有第 ${payload.sessionNo} 场次（共 ${sessions.map((s) => s.no).join('、')} 场次）；请确认授权文件与考务数据对应`,
      );
    }
    const dongle = this.o.dongles.assertUsableFor(site.mode);
    if (payload.dongleId !== dongle.id()) {
      throw new TrustError(
        'AUTHORIZATION_FOREIGN_DONGLE',
        `授权文件绑定的机考锁为 ${payload.dongleId}，当前机考锁为 ${dongle.id()}；请为当前机考锁重新获取考试授权`,
      );
    }
    const release = await this.o.examData.currentRelease();
    if (!release || payload.packageManifestSha256 !== release.manifestSha256) {
      throw new TrustError(
        'AUTHORIZATION_PACKAGE_MISMATCH',
        '授权文件对应的考场数据包与本考点已载入的数据包不一致（考务数据可能已更新）；请先载入最新考务数据，再重新获取考试授权',
      );
    }
    checkWindowMatchesSession(payload, session);
    await this.checkNotExpired(payload);

    const held = await this.o.store.manager.findOneBy(SessionAuthorizationRow, { mode: site.mode, sessionNo: payload.sessionNo });
    if (held && payload.version < held.version) {
      throw new TrustError(
        'AUTHORIZATION_REPLAYED',
        `第 ${payload.sessionNo} 场次的授权文件版本 ${payload.version} 早于已导入的版本 ${held.version}，是旧文件；请使用监控平台最新签发的授权文件`,
      );
    }
    if (held && payload.version === held.version) {
      // A re-download of what is held (the centre may re-wrap the same key): a no-op.
      if (await this.isSameAuthorization(dongle, site, held, payload)) return { session: await this.mustStatus(payload.sessionNo), unchanged: true };
      throw new TrustError(
        'AUTHORIZATION_REPLAYED',
        `第 ${payload.sessionNo} 场次已导入版本 ${held.version} 的授权，所选文件版本相同但内容不同；请使用监控平台最新签发的授权文件`,
      );
    }

    // The dongle must open the key, and the key must open this session's content.
    const key = await this.unwrap(dongle, payload.wrappedKey, site, payload.sessionNo);
    try {
      await this.checkKeyOpensContent(key, site, payload.sessionNo);
    } finally {
      key.fill(0);
    }

    const keepVerification = held !== null && held.verifiedAt !== null && held.windowStartsAt === iso(payload.window.startsAt) && held.windowEndsAt === iso(payload.window.endsAt);
    await this.o.store.write(async (em) => {
      // Re-checked inside the transaction: two imports must not both pass the replay check.
      const current = await em.findOneBy(SessionAuthorizationRow, { mode: site.mode, sessionNo: payload.sessionNo });
      if (current && current.version >= payload.version) {
        throw conflict('AUTHORIZATION_CHANGED', `第 ${payload.sessionNo} 场次的授权刚刚被更新，请刷新后重试`);
      }
      const row: SessionAuthorizationRow = Object.assign(new SessionAuthorizationRow(), {
        mode: site.mode,
        sessionNo: payload.sessionNo,
        siteCode: site.siteCode,
        dongleId: payload.dongleId,
        version: payload.version,
        envelope: envelopeText,
        windowStartsAt: iso(payload.window.startsAt),
        windowEndsAt: iso(payload.window.endsAt),
        notAfter: iso(payload.notAfter),
        packageManifestSha256: payload.packageManifestSha256,
        wrappedKey: JSON.stringify(payload.wrappedKey),
        source,
        authorizedAt: new Date(this.pcNow()).toISOString(),
        verifiedAt: keepVerification ? current?.verifiedAt ?? null : null,
        verificationSource: keepVerification ? current?.verificationSource ?? null : null,
        verificationEnvelope: keepVerification ? current?.verificationEnvelope ?? null : null,
      });
      await em.save(SessionAuthorizationRow, row);
    });
    this.forgetKeys(payload.sessionNo);
    await this.o.audit.record(actor, 'authorization.imported', { sessionNo: payload.sessionNo, version: payload.version, source, mode: site.mode });
    this.changed({ sessionNo: payload.sessionNo, action: 'authorized' });
    return { session: await this.mustStatus(payload.sessionNo), unchanged: false };
  }

  private async isSameAuthorization(dongle: Dongle, site: SiteContext, held: SessionAuthorizationRow, p: AuthorizationPayload): Promise<boolean> {
    if (held.siteCode !== site.siteCode || !sameTerms(held, p)) return false;
    if (held.wrappedKey === JSON.stringify(p.wrappedKey)) return true;
    const a = await this.unwrap(dongle, parseWrappedKey(held.wrappedKey), site, p.sessionNo);
    const b = await this.unwrap(dongle, p.wrappedKey, site, p.sessionNo);
    try {
      return timingSafeEqual(a, b);
    } finally {
      a.fill(0);
      b.fill(0);
    }
  }

  // ---- 授权验证 ------------------------------------------------------------------------

  /** 授权验证 online: the centre's verification file for this session, then the same checks as an import. */
  async verifyOnline(sessionNo: number, actor: string): Promise<SessionAuthorizationStatus> {
    const site = this.requireSite();
    const dongle = this.o.dongles.assertUsableFor(site.mode);
    // Refuse early (no centre round trip) when the session cannot be verified at all.
    await this.requireAuthorized(site, sessionNo);
    await this.checkVerificationWindow(site, sessionNo);
    const { bytes } = await this.o.centre.call(authorizationCentreEndpoints.verification, { siteCode: site.siteCode, mode: site.mode, sessionNo, dongleId: dongle.id() });
    return this.importVerification(sessionNo, bytes, 'online', actor);
  }

  importVerification(sessionNo: number, bytes: Buffer, source: AuthorizationSource, actor: string): Promise<SessionAuthorizationStatus> {
    const generation = this.generation;
    return this.serialized(() => this.doVerify(sessionNo, bytes, source, actor, generation));
  }

  private async doVerify(sessionNo: number, bytes: Buffer, source: AuthorizationSource, actor: string, generation: number): Promise<SessionAuthorizationStatus> {
    this.requireGeneration(generation);
    const site = this.requireSite();
    const { payload, envelopeText } = readSignedFile(bytes, this.o.trustedKeys, {
      label: '授权验证文件',
      kind: VERIFICATION_KIND,
      maxBytes: MAX_VERIFICATION_BYTES,
      schema: verificationPayloadSchema,
      codePrefix: 'VERIFICATION',
      formatVersion: VERIFICATION_FORMAT_VERSION,
    });
    if (payload.siteCode !== site.siteCode) {
      throw new TrustError('VERIFICATION_FOREIGN_SITE', `授权验证文件考点代码 ${payload.siteCode} 与本考点 ${site.siteCode} 不一致；请获取本考点的授权验证文件`);
    }
    if (payload.mode !== site.mode) {
      throw new TrustError('VERIFICATION_WRONG_MODE', `授权验证文件用于${MODE_LABEL[payload.mode]}，当前是${MODE_LABEL[site.mode]}；请获取${MODE_LABEL[site.mode]}的授权验证文件`);
    }
    if (payload.sessionNo !== sessionNo) {
      throw new TrustError('VERIFICATION_WRONG_SESSION', `所选文件是第 ${payload.sessionNo} 场次的授权验证文件，不是第 ${sessionNo} 场次的；请选择当前场次的文件`);
    }
    const dongle = this.o.dongles.assertUsableFor(site.mode);
    if (payload.dongleId !== dongle.id()) {
      throw new TrustError('VERIFICATION_FOREIGN_DONGLE', `授权验证文件绑定的机考锁为 ${payload.dongleId}，当前机考锁为 ${dongle.id()}；请为当前机考锁重新获取授权验证文件`);
    }
    const row = await this.requireAuthorized(site, sessionNo);
    // Same site, mode, session number and dongle is not enough: an earlier exam's file for
    // "session 1" must not verify this exam's session 1 (R4.4, R6.2, SPEC §5 replay).
    if (payload.packageManifestSha256 !== row.packageManifestSha256 || payload.authorizationVersion !== row.version) {
      throw new TrustError(
        'VERIFICATION_FOREIGN_AUTHORIZATION',
        `此授权验证文件属于另一次考试的数据（文件对应考场数据包 ${payload.packageManifestSha256.slice(0, 12)}…、授权版本 ${payload.authorizationVersion}；本考点第 ${sessionNo} 场次的授权对应数据包 ${row.packageManifestSha256.slice(0, 12)}…、授权版本 ${row.version}），请从监控平台获取本场次的授权验证文件`,
      );
    }
    const { nowMs, endsAtMs } = await this.checkVerificationWindow(site, sessionNo);
    if (Date.parse(payload.issuedAt) > endsAtMs) {
      throw new TrustError('VERIFICATION_INVALID', `授权验证文件的签发时间 ${formatChinaTime(payload.issuedAt)} 晚于第 ${sessionNo} 场次的结束时间，不属于本场次；请重新获取授权验证文件`);
    }
    if (row.verifiedAt) return this.mustStatus(sessionNo);

    // Unwrap now: proves the dongle still holds the key and warms the in-memory cache.
    const key = await this.unwrap(dongle, parseWrappedKey(row.wrappedKey), site, sessionNo);
    const verifiedAt = new Date(nowMs).toISOString();
    try {
      await this.o.store.write(async (em) => {
        const current = await em.findOneBy(SessionAuthorizationRow, { mode: site.mode, sessionNo });
        if (!current || current.version !== row.version) {
          throw conflict('AUTHORIZATION_CHANGED', `第 ${sessionNo} 场次的考试授权刚刚被更新，请重新进行授权验证`);
        }
        current.verifiedAt = verifiedAt;
        current.verificationSource = source;
        current.verificationEnvelope = envelopeText;
        await em.save(SessionAuthorizationRow, current);
      });
    } catch (e) {
      key.fill(0);
      throw e;
    }
    this.remember(site, sessionNo, key);
    await this.o.audit.record(actor, 'authorization.verified', { sessionNo, source, mode: site.mode, trustedTime: verifiedAt });
    this.changed({ sessionNo, action: 'verified' });
    return this.mustStatus(sessionNo);
  }

  // ---- key release (R6.3) ---------------------------------------------------------------

  /** The session's content key sealed for this proctor's credentials, or a 403 with the reason. */
  async releaseKey(principal: { roomCode: string; registrationId: string }, token: string, sessionNo: number): Promise<ReleasedKey> {
    const site = this.requireSite();
    await this.requireRoomInSession(principal.roomCode, sessionNo);
    const status = await this.of(sessionNo);
    if (!status?.authorized) {
      throw forbidden('SESSION_NOT_AUTHORIZED', `第 ${sessionNo} 场次尚未完成考试授权，暂不能下发试题密钥；请联系考点管理员完成考试授权与授权验证后重试`);
    }
    if (!status.verified) {
      throw forbidden('SESSION_NOT_VERIFIED', `第 ${sessionNo} 场次尚未通过授权验证，暂不能下发试题密钥；请在开考前由考点管理员完成授权验证（第 5 步）后重试`);
    }
    const row = await this.requireAuthorized(site, sessionNo);
    const nowMs = (await this.o.clock.requireNow()).getTime();
    if (nowMs >= Date.parse(row.windowEndsAt)) {
      throw forbidden('SESSION_ENDED', `第 ${sessionNo} 场次已于 ${formatChinaTime(row.windowEndsAt)} 结束，不再下发试题密钥`);
    }
    if (nowMs >= Date.parse(row.notAfter)) {
      throw forbidden('AUTHORIZATION_EXPIRED', `第 ${sessionNo} 场次的考试授权已于 ${formatChinaTime(row.notAfter)} 失效，不再下发试题密钥`);
    }
    const key = await this.keyFor(site, row);
    const content = await this.o.examData.encryptedContent(sessionNo);
    const sealed = sealKeyForProctor(key, token, principal.roomCode, sessionNo);
    await this.o.audit.record(`proctor:${principal.roomCode}`, 'authorization.key-released', { sessionNo, registrationId: principal.registrationId });
    return {
      v: 1,
      sessionNo,
      roomCode: principal.roomCode,
      alg: 'HKDF-SHA256/AES-256-GCM',
      ...sealed,
      contentSha256: content?.sha256 ?? null,
      windowEndsAt: row.windowEndsAt,
    };
  }

  /** The session's encrypted content for a proctor of a room in the session (opaque without the key). */
  async contentFor(roomCode: string, sessionNo: number): Promise<{ bytes: Buffer; sha256: string }> {
    this.requireSite();
    await this.requireRoomInSession(roomCode, sessionNo);
    const content = await this.o.examData.encryptedContent(sessionNo);
    if (!content) throw notFound('CONTENT_MISSING', `第 ${sessionNo} 场次的考试内容不存在，请联系考点管理员重新载入考务数据`);
    return content;
  }

  // ---- calibration advice (R6.1) --------------------------------------------------------

  async calibrationAdvice(): Promise<CalibrationAdvice> {
    const reading = await this.o.clock.reading();
    // Advisory only: without a calibrated dongle the PC clock tells which session is near.
    const nowMs = reading.trustedTime ? Date.parse(reading.trustedTime) : this.pcNow();
    const lead = this.o.calibrationWarnLeadMinutes * 60_000;
    let near: SessionInfo | null = null;
    for (const s of await this.o.examData.sessions()) {
      const w = windowOf(s, 0);
      if (nowMs >= w.startsAtMs - lead && nowMs < w.endsAtMs) {
        near = s;
        break;
      }
    }
    let warning: string | null = null;
    if (near && (!reading.calibrated || reading.stale)) {
      const why = reading.calibrated ? '距上次机考锁校时已过久' : '机考锁时钟尚未校时';
      warning = `第 ${near.no} 场次（${near.name}）开考时间为 ${formatChinaTime(near.startsAt)}，${why}；请立即进行机考锁校时，否则无法完成授权验证`;
    }
    const last = reading.lastCalibration;
    return {
      calibrated: reading.calibrated,
      stale: reading.stale,
      trustedTime: reading.trustedTime,
      driftMs: reading.driftMs,
      lastCalibration: last ? { at: last.at, source: last.source, tokenTime: last.tokenTime } : null,
      nearSession: near ? { sessionNo: near.no, name: near.name, startsAt: near.startsAt } : null,
      warning,
      warnLeadMinutes: this.o.calibrationWarnLeadMinutes,
    };
  }

  // ---- maintenance ----------------------------------------------------------------------

  /**
   * 初始化 (R9.3). The clear runs behind the import or verification in progress, so none
   * of them writes its row (or caches its key) after it; work asked for before it but not
   * started yet (the rest of a 考试授权 download) is refused by the generation.
   */
  dataParticipant(): DataParticipant {
    return {
      label: '考试授权',
      hold: (work) => {
        this.generation += 1;
        return this.serialized(work);
      },
      clear: async (em) => {
        await em.clear(SessionAuthorizationRow);
      },
      afterClear: () => {
        this.forgetKeys(null);
        this.changed({ sessionNo: null, action: 'cleared' });
      },
    };
  }

  /** Drops every key from memory (shutdown). */
  close(): void {
    this.forgetKeys(null);
  }

  // ---- internals ------------------------------------------------------------------------

  private statusOf(s: SessionInfo, row: SessionAuthorizationRow | null, manifestSha256: string | null, dongleId: string | null): SessionAuthorizationStatus {
    const w = windowOf(s, this.o.verificationLeadMinutes);
    let note: string | null = null;
    let authorized = false;
    if (row) {
      if (row.packageManifestSha256 !== manifestSha256) note = '考务数据已更新，原授权不再有效，请重新进行考试授权';
      else if (dongleId !== null && row.dongleId !== dongleId) note = `授权绑定的机考锁 ${row.dongleId} 不是当前机考锁，请重新进行考试授权`;
      else authorized = true;
    }
    const verified = authorized && row?.verifiedAt != null;
    return {
      sessionNo: s.no,
      name: s.name,
      startsAt: s.startsAt,
      durationMinutes: s.durationMinutes,
      authorized,
      authorizedAt: authorized ? row!.authorizedAt : null,
      authorizationSource: authorized ? (row!.source as AuthorizationSource) : null,
      version: row?.version ?? null,
      verified,
      verifiedAt: verified ? row!.verifiedAt : null,
      verificationSource: verified ? (row!.verificationSource as AuthorizationSource) : null,
      verificationOpensAt: new Date(w.verificationOpensAtMs).toISOString(),
      endsAt: new Date(w.endsAtMs).toISOString(),
      note,
    };
  }

  private async mustStatus(sessionNo: number): Promise<SessionAuthorizationStatus> {
    const s = await this.of(sessionNo);
    if (!s) throw notFound('SESSION_UNKNOWN', `考务数据中没有第 ${sessionNo} 场次`);
    return s;
  }

  private requireGeneration(generation: number): void {
    if (generation !== this.generation) {
      throw conflict('AUTHORIZATION_CLEARED', '考试授权数据已被初始化，本次导入或授权验证已取消；请在初始化完成后重新进行考试授权');
    }
  }

  private requireSite(): SiteContext {
    const { siteCode, mode } = this.o.settings.get();
    if (!siteCode) throw conflict('SITE_CODE_MISSING', '尚未设置考点代码，请先在“系统设置”中填写考点代码');
    return { siteCode, mode };
  }

  private async requireSessions(): Promise<SessionInfo[]> {
    const sessions = await this.o.examData.sessions();
    if (sessions.length === 0) throw conflict('EXAM_DATA_MISSING', '尚未载入考务数据，请先完成第 1 步“导入考务”再进行考试授权').needs(LOAD_STEP);
    return sessions;
  }

  private async requireRoomInSession(roomCode: string, sessionNo: number): Promise<void> {
    const rooms = await this.o.examData.roomsOfSession(sessionNo);
    if (!rooms.includes(roomCode)) {
      throw forbidden('ROOM_NOT_IN_SESSION', `考场 ${roomCode} 不参加第 ${sessionNo} 场次考试，不能获取该场次的试题或密钥`);
    }
  }

  /** The held authorization, if it still counts (this site, the loaded package, this dongle). */
  private async requireAuthorized(site: SiteContext, sessionNo: number): Promise<SessionAuthorizationRow> {
    const status = await this.of(sessionNo);
    if (!status) throw new TrustError('VERIFICATION_WRONG_SESSION', `考务数据中没有第 ${sessionNo} 场次，请选择当前考试的场次`);
    const row = await this.o.store.manager.findOneBy(SessionAuthorizationRow, { mode: site.mode, sessionNo });
    if (!status.authorized || !row) {
      throw new TrustError('SESSION_NOT_AUTHORIZED', `第 ${sessionNo} 场次尚未完成考试授权${status.note ? `（${status.note}）` : ''}；请先完成${AUTHORIZATION_STEP.label}`).needs(
        AUTHORIZATION_STEP,
      );
    }
    return row;
  }

  /** The trusted time; uncalibrated, the refusal names the 机考锁校时 box and leads there. */
  private async trustedNowForVerification(): Promise<Date> {
    try {
      return await this.o.clock.requireNow();
    } catch (e) {
      if (!isTrustError(e, 'CLOCK_UNCALIBRATED')) throw e;
      throw new TrustError('CLOCK_UNCALIBRATED', `机考锁时钟尚未校时，无法进行授权验证；请先在${CLOCK_CALIBRATION_PLACE.label}框中完成校时`).needs(CLOCK_CALIBRATION_PLACE);
    }
  }

  /** Trusted clock only: inside [start − lead, end) and before the authorization's expiry. */
  private async checkVerificationWindow(site: SiteContext, sessionNo: number): Promise<{ nowMs: number; endsAtMs: number }> {
    const row = await this.requireAuthorized(site, sessionNo);
    const nowMs = (await this.trustedNowForVerification()).getTime();
    const startsAtMs = Date.parse(row.windowStartsAt);
    const endsAtMs = Date.parse(row.windowEndsAt);
    const opensAtMs = startsAtMs - this.o.verificationLeadMinutes * 60_000;
    const now = formatChinaTime(nowMs);
    if (nowMs < opensAtMs) {
      throw new TrustError(
        'VERIFICATION_TOO_EARLY',
        `第 ${sessionNo} 场次开考时间为 ${formatChinaTime(startsAtMs)}，最早可在 ${formatChinaTime(opensAtMs)} 进行授权验证；机考锁当前时间为 ${now}，请到时再验证`,
      );
    }
    if (nowMs >= endsAtMs) {
      throw new TrustError('VERIFICATION_TOO_LATE', `第 ${sessionNo} 场次已于 ${formatChinaTime(endsAtMs)} 结束（机考锁当前时间为 ${now}），不能再进行授权验证`);
    }
    if (nowMs >= Date.parse(row.notAfter)) {
      throw new TrustError('AUTHORIZATION_EXPIRED', `第 ${sessionNo} 场次的考试授权已于 ${formatChinaTime(row.notAfter)} 失效；请重新获取考试授权`);
    }
    return { nowMs, endsAtMs };
  }

  /**
   * Expiry at import: the trusted clock when calibrated; otherwise the PC clock, as a first
   * filter only — 授权验证 checks it again on the trusted clock.
   */
  private async checkNotExpired(payload: AuthorizationPayload): Promise<void> {
    const trusted = await this.o.clock.now().catch(() => null);
    const nowMs = trusted ? trusted.getTime() : this.pcNow();
    if (Date.parse(payload.notAfter) <= nowMs) {
      throw new TrustError(
        'AUTHORIZATION_EXPIRED',
        `第 ${payload.sessionNo} 场次的授权文件已于 ${formatChinaTime(payload.notAfter)} 过期（${trusted ? '机考锁' : '电脑'}当前时间 ${formatChinaTime(nowMs)}）；请从监控平台重新获取考试授权`,
      );
    }
  }

  private async unwrap(dongle: Dongle, wrapped: WrappedKey, site: SiteContext, sessionNo: number): Promise<Buffer> {
    let key: Buffer;
    try {
      key = await dongle.unwrapKey(wrapped, authorizationKeyAad(site.siteCode, site.mode, sessionNo));
    } catch (e) {
      if (e instanceof TrustError && (e.code === 'DONGLE_ABSENT' || e.code === 'DONGLE_IO')) throw e;
      throw new TrustError(
        'AUTHORIZATION_KEY_INVALID',
        `第 ${sessionNo} 场次授权中的试题密钥无法由当前机考锁解开（授权不是为本机考锁签发，或已损坏）；请为当前机考锁重新获取考试授权`,
        { cause: e },
      );
    }
    if (key.length !== 32) {
      key.fill(0);
      throw new TrustError('AUTHORIZATION_KEY_INVALID', `第 ${sessionNo} 场次授权中的试题密钥长度错误；请从监控平台重新获取考试授权`);
    }
    return key;
  }

  private async checkKeyOpensContent(key: Buffer, site: SiteContext, sessionNo: number): Promise<void> {
    const content = await this.o.examData.encryptedContent(sessionNo);
    if (!content) return;
    try {
      openBytes(key, content.bytes, contentAad(site.siteCode, site.mode, sessionNo)).fill(0);
    } catch (e) {
      throw new TrustError(
        'AUTHORIZATION_KEY_MISMATCH',
        `第 ${sessionNo} 场次授权中的密钥与已载入的考试内容不匹配；请确认考务数据与授权来自同一次发布，并重新获取考试授权`,
        { cause: e },
      );
    }
  }

  /** From memory, or unwrapped again through the dongle (after a restart). Never stored. */
  private async keyFor(site: SiteContext, row: SessionAuthorizationRow): Promise<Buffer> {
    const cached = this.keys.get(cacheKey(site.mode, row.sessionNo));
    if (cached) return cached;
    const dongle = this.o.dongles.assertUsableFor(site.mode);
    const key = await this.unwrap(dongle, parseWrappedKey(row.wrappedKey), site, row.sessionNo);
    this.remember(site, row.sessionNo, key);
    return key;
  }

  private remember(site: SiteContext, sessionNo: number, key: Buffer): void {
    const k = cacheKey(site.mode, sessionNo);
    const old = this.keys.get(k);
    if (old && old !== key) old.fill(0);
    this.keys.set(k, key);
  }

  private forgetKeys(sessionNo: number | null): void {
    for (const [k, key] of this.keys) {
      if (sessionNo === null || k.endsWith(`:${sessionNo}`)) {
        key.fill(0);
        this.keys.delete(k);
      }
    }
  }

  private changed(event: AuthorizationChangedEvent): void {
    this.o.live.publish(authorizationChangedTopic, event);
    for (const l of this.listeners) {
      try {
        l(event.sessionNo);
      } catch (e) {
        this.o.logger.warn({ err: e }, 'authorization.changed 监听器出错');
      }
    }
  }

  /** One import or verification at a time: the replay check and the write stay together. */
  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(work, work);
    this.queue = result.catch(() => undefined);
    return result;
  }
}

function cacheKey(mode: string, sessionNo: number): string {
  return `${mode}:${sessionNo}`;
}

function iso(text: string): string {
  return new Date(Date.parse(text)).toISOString();
}

function parseWrappedKey(text: string): WrappedKey {
  return JSON.parse(text) as WrappedKey;
}

/** The signed facts of a held authorization and a new one agree (the wrapped key aside). */
function sameTerms(held: SessionAuthorizationRow, p: AuthorizationPayload): boolean {
  return (
    held.dongleId === p.dongleId &&
    held.windowStartsAt === iso(p.window.startsAt) &&
    held.windowEndsAt === iso(p.window.endsAt) &&
    held.notAfter === iso(p.notAfter) &&
    held.packageManifestSha256 === p.packageManifestSha256
  );
}

/** The authorization's window must be the session's exam time in the loaded package. */
function checkWindowMatchesSession(p: AuthorizationPayload, s: SessionInfo): void {
  const w = windowOf(s, 0);
  if (Date.parse(p.window.startsAt) !== w.startsAtMs || Date.parse(p.window.endsAt) !== w.endsAtMs) {
    throw new TrustError(
      'AUTHORIZATION_WINDOW_MISMATCH',
      `授权文件中第 ${p.sessionNo} 场次的考试时间（${formatChinaTime(p.window.startsAt)} 至 ${formatChinaTime(p.window.endsAt)}）与考务数据（${formatChinaTime(w.startsAtMs)} 开考，${s.durationMinutes} 分钟）不一致；请重新获取考试授权`,
    );
  }
}

function describeError(e: unknown): { code: string; message: string } {
  if (e instanceof TrustError || e instanceof AppError) return { code: e.code, message: e.message };
  const coded = e as { code?: unknown; message?: unknown; userFacing?: unknown };
  if (e instanceof Error && coded.userFacing === true && typeof coded.code === 'string') return { code: coded.code, message: e.message };
  return { code: 'INTERNAL_ERROR', message: '下载考试授权时发生内部错误，请稍后重试或使用手工导入' };
}
