import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { AuditLog } from '../../../core/auth/audit';
import type { CentreClient } from '../../../core/centre/centre-client';
import { loadCentreEndpoints } from '../api/centre-endpoints';
import { isCentreError } from '../../../core/centre/centre-error';
import type { LiveEvents } from '../../../core/events/live-events';
import { AppError, conflict } from '../../../core/http/errors';
import type { SiteSettings } from '../../../core/settings/site-settings';
import { loadChangedTopic, type PackageContentHandler, type ReleaseInfo } from '../api';
import type { PackageLimits } from '../api/package-format';
import type { ExamDataStore, ReplaceOutcome } from './exam-data-store';
import fsp from 'node:fs/promises';
import type { DurableFileStore } from '../../../core/files/durable-file-store';
import { verifyPackage } from './package/package-verifier';
import { formatChinaTime } from '../../../core/time/china-time';

export interface LoadServiceDeps {
  readonly data: ExamDataStore;
  /** Where an incoming package is received (a temp file of the plugin's folder, never whole in memory). */
  readonly files: Pick<DurableFileStore, 'receiveWhole'>;
  readonly settings: SiteSettings;
  readonly trustedKeys: readonly string[];
  readonly handlers: readonly PackageContentHandler[];
  readonly limits: PackageLimits;
  readonly centre: CentreClient;
  readonly live: LiveEvents;
  readonly audit: AuditLog;
  readonly logger: Logger;
  /** Whether the centre is reachable now (the status bar's 网络连接). */
  readonly networkUp: () => boolean;
}

export interface CheckOutcome {
  readonly verified: boolean;
  readonly verifiedAt: string | null;
  readonly message: string | null;
}

export interface DownloadOutcome {
  readonly imported: boolean;
  readonly roomCount: number;
  readonly keptRegistrationCodes: number;
  readonly releaseTime: string;
  readonly check: CheckOutcome;
}

/**
 * 载入考务 (R2): import (online or manual) and the release check with the centre. Every
 * import is verified completely before anything is stored; the check re-runs by itself
 * when the network comes back while a loaded release is still unconfirmed.
 */
export class LoadService {
  private checking: Promise<CheckOutcome> | null = null;

  constructor(private readonly d: LoadServiceDeps) {}

  /** Receives the package into a temp file, verifies it from there, stores it; the temp file is always removed. */
  async importPackage(body: AsyncIterable<Buffer>, source: 'online' | 'manual', actor: string): Promise<ReplaceOutcome> {
    const received = await this.d.files.receiveWhole(body, this.d.limits.maxPackageBytes);
    try {
      return await this.importReceived(received.path, received.size, source, actor);
    } finally {
      await fsp.rm(received.path, { force: true });
    }
  }

  private async importReceived(file: string, bytes: number, source: 'online' | 'manual', actor: string): Promise<ReplaceOutcome> {
    const s = this.d.settings.get();
    const current = await this.d.data.currentRelease();
    let pkg: Awaited<ReturnType<typeof verifyPackage>>;
    try {
      pkg = await verifyPackage(file, {
        trustedKeys: this.d.trustedKeys,
        siteCode: s.siteCode,
        mode: s.mode,
        currentReleaseTime: current?.releaseTime ?? null,
        handlers: this.d.handlers,
        limits: this.d.limits,
      });
    } catch (e) {
      // A refused package is a security-relevant event (tampering, a foreign site's data): keep a trace.
      const code = (e as { code?: unknown }).code;
      await this.d.audit.record(actor, 'load.refused', {
        source,
        bytes,
        code: typeof code === 'string' ? code : 'UNKNOWN',
        message: e instanceof Error ? e.message.slice(0, 300) : String(e),
      });
      throw e;
    }
    const outcome = await this.d.data.replace(pkg, { source, packageBytes: bytes, now: new Date().toISOString() });
    const context = { siteCode: pkg.manifest.siteCode, mode: pkg.manifest.mode, releaseTime: pkg.manifest.releaseTime };
    for (const { handler, entry } of pkg.claimed) {
      try {
        await handler.accepted?.(entry, context);
      } catch (e) {
        this.d.logger.error({ err: e, handler: handler.id, entry: entry.name }, '数据包扩展内容处理失败（数据已载入）');
      }
    }
    await this.d.audit.record(actor, source === 'manual' ? 'load.manual-import' : 'load.download', {
      releaseTime: pkg.manifest.releaseTime,
      rooms: outcome.roomCodes.length,
      manifestSha256: pkg.manifestSha256,
    });
    this.d.logger.info({ releaseTime: pkg.manifest.releaseTime, rooms: outcome.roomCodes.length, source }, '考务数据已载入');
    this.publishChanged();
    return outcome;
  }

  /** 载入: download through the centre client, verify, store, then check the release. */
  async download(actor: string): Promise<DownloadOutcome> {
    const s = this.d.settings.get();
    if (s.siteCode === null) throw new AppError(409, 'SITE_CODE_NOT_SET', '请先在参数设置中填写考点代码');
    let bytes: Buffer;
    try {
      bytes = (await this.d.centre.call(loadCentreEndpoints.sitePackage, { siteCode: s.siteCode, mode: s.mode })).bytes;
    } catch (e) {
      if (isCentreError(e)) throw new AppError(502, 'DOWNLOAD_FAILED', `考场数据包下载失败：${e.message}。可以使用“手工导入”导入数据包文件`);
      throw e;
    }
    try {
      const outcome = await this.importPackage(oneChunk(bytes), 'online', actor);
      const check = await this.checkQuietly();
      return { imported: true, roomCount: outcome.roomCodes.length, keptRegistrationCodes: outcome.keptRegistrationCodes, releaseTime: outcome.release.releaseTime, check };
    } catch (e) {
      // The centre's package is the one already loaded: nothing to import, just confirm it.
      const current = await this.d.data.currentRelease();
      if (e instanceof AppError && e.code === 'PACKAGE_NOT_NEWER' && current) {
        const check = await this.checkQuietly();
        const rooms = await this.d.data.listRooms();
        return { imported: false, roomCount: rooms.length, keptRegistrationCodes: rooms.length, releaseTime: current.releaseTime, check };
      }
      throw e;
    }
  }

  /** 校验: asks the centre whether the loaded package is its latest release. */
  check(): Promise<CheckOutcome> {
    if (!this.checking) {
      this.checking = this.runCheck().finally(() => {
        this.checking = null;
      });
    }
    return this.checking;
  }

  /** Like check(), but a centre failure is a message, not an error (after a download, on reconnect). */
  async checkQuietly(): Promise<CheckOutcome> {
    try {
      return await this.check();
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.d.logger.warn({ err: message }, '考场数据发布时间校验未完成');
      const r = await this.d.data.currentRelease();
      return { verified: r?.verified ?? false, verifiedAt: r?.verifiedAt ?? null, message };
    }
  }

  /** After a manual import: confirm now if the centre is reachable, else when the network returns. */
  checkInBackground(): void {
    if (!this.d.networkUp()) return;
    this.checkQuietly().catch((e: unknown) => this.d.logger.warn({ err: e }, '后台校验失败'));
  }

  /** Network came back: confirm an unconfirmed release (e.g. after a manual import). */
  async onNetworkUp(): Promise<void> {
    const r = await this.d.data.currentRelease();
    if (r && !r.verified) await this.checkQuietly();
  }

  private async runCheck(): Promise<CheckOutcome> {
    const release = await this.d.data.currentRelease();
    if (!release) throw conflict('NOTHING_LOADED', '尚未载入考务数据，请先点击“载入”或手工导入数据包');
    let latest;
    try {
      const nonce = randomBytes(18).toString('base64url');
      latest = (await this.d.centre.call(loadCentreEndpoints.latestRelease, { siteCode: release.siteCode, mode: release.mode, nonce })).payload;
    } catch (e) {
      // An earlier 校验通过 stands: not reaching the centre now is no failure of the data.
      if (isCentreError(e) && release.verified) {
        const since = release.verifiedAt ? `于 ${formatChinaTime(release.verifiedAt)} ` : '';
        throw new AppError(502, 'CHECK_FAILED', `暂时未能重新校验：${e.message}。已载入的数据${since}已校验通过，结果仍然有效`);
      }
      if (isCentreError(e)) throw new AppError(502, 'CHECK_FAILED', `考场数据发布时间校验失败：${e.message}`);
      throw e;
    }
    const at = new Date().toISOString();
    let outcome: CheckOutcome;
    if (latest.siteCode !== release.siteCode || latest.mode !== release.mode) {
      outcome = { verified: false, verifiedAt: null, message: '监控平台返回的发布信息不属于本考点或本考试模式，请稍后重试' };
    } else if (latest.manifestSha256 === release.manifestSha256 && Date.parse(latest.releaseTime) === Date.parse(release.releaseTime)) {
      outcome = { verified: true, verifiedAt: at, message: null };
    } else if (Date.parse(latest.releaseTime) > Date.parse(release.releaseTime)) {
      outcome = { verified: false, verifiedAt: null, message: `监控平台已发布更新的考场数据（发布时间 ${formatChinaTime(latest.releaseTime)}），请重新载入` };
    } else {
      outcome = { verified: false, verifiedAt: null, message: '已载入的考场数据与监控平台的最新发布不一致，请重新载入' };
    }
    await this.d.data.recordCheck(release.manifestSha256, { verified: outcome.verified, at, message: outcome.message });
    this.publishChanged();
    return outcome;
  }

  publishChanged(): void {
    this.d.live.publish(loadChangedTopic, { at: new Date().toISOString() });
  }

  async currentRelease(): Promise<ReleaseInfo | null> {
    return this.d.data.currentRelease();
  }
}

async function* oneChunk(bytes: Buffer): AsyncIterable<Buffer> {
  yield bytes;
}
