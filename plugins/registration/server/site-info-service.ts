import { LOAD_STEP } from '../../load/api/contract';
import { promises as fsp, constants as fsConstants } from 'node:fs';
import path from 'node:path';
import type { AuditLog } from '../../../core/auth/audit';
import { TrustError, isTrustError } from '../../../core/crypto/trust-error';
import type { DongleService } from '../../../core/dongle/dongle-service';
import { badRequest, conflict } from '../../../core/http/errors';
import { writeFileDurably } from '../../../core/files/write-durably';
import { MODE_LABEL, type SiteSettings } from '../../../core/settings/site-settings';
import { isoNow } from '../../../core/store/columns';
import type { Store } from '../../../core/store/store';
import type { ExamDataService, ReleaseInfo } from '../../load/api';
import { KDINFO_DAMAGED_MESSAGE, KDINFO_DONGLE_LABEL, kdinfoKey, openKdinfo, sealKdinfo, type KdinfoBody } from './kdinfo';
import type { RegistrationService, RestoreOutcome } from './registration-service';
import { renderSiteInfoSheet, type SiteAddresses } from './site-info-sheet';
import { formatChinaTime } from '../../../core/time/china-time';

export interface ExportResult {
  readonly folder: string;
  readonly htmlFile: string;
  readonly kdinfoFile: string;
  readonly roomCount: number;
  readonly registeredCount: number;
}

export function siteInfoHtmlName(siteCode: string): string {
  return `考点信息_${siteCode}.html`;
}
export const KDINFO_FILE_NAME = 'KDINFO';

/**
 * 导出考点信息 and 恢复注册 (R3.1, R3.5). The KDINFO key comes from the dongle, so the
 * file is useless on another site (another dongle or site code) and is refused there.
 */
export class SiteInfoService {
  constructor(
    private readonly examData: ExamDataService,
    private readonly registrations: RegistrationService,
    private readonly settings: SiteSettings,
    private readonly dongles: DongleService,
    private readonly audit: AuditLog,
    private readonly store: Store,
  ) {}

  async sheet(addresses: SiteAddresses): Promise<{ siteCode: string; html: string }> {
    const { siteCode, release } = await this.preconditions('导出考点信息');
    const rooms = await this.examData.listRooms();
    const registered = new Map((await this.registrations.list()).map((r) => [r.roomCode, r.ip]));
    const html = await renderSiteInfoSheet({
      siteCode,
      modeLabel: MODE_LABEL[this.settings.get().mode],
      addresses,
      releaseTime: release.releaseTime,
      exportedAt: isoNow(),
      rooms: await Promise.all(
        rooms.map(async (r) => {
          const data = await this.examData.room(r.roomCode);
          return {
            roomCode: r.roomCode,
            roomLabel: data ? `${data.roomName} ${data.address}`.trim() : '',
            registrationCode: r.registrationCode,
            registeredIp: registered.get(r.roomCode) ?? null,
          };
        }),
      ),
    });
    return { siteCode, html };
  }

  async kdinfo(): Promise<{ siteCode: string; bytes: Buffer; roomCount: number; registeredCount: number }> {
    const { siteCode, release } = await this.preconditions('导出考点信息');
    const { key, dongleId } = await this.key(siteCode);
    const rooms = await this.examData.listRooms();
    const registrations = await this.registrations.stored();
    const body: KdinfoBody = {
      format: 'KDINFO',
      v: 1,
      siteCode,
      mode: this.settings.get().mode,
      exportedAt: isoNow(),
      package: { releaseTime: release.releaseTime, manifestSha256: release.manifestSha256 },
      registrationCodes: Object.fromEntries(rooms.map((r) => [r.roomCode, r.registrationCode])),
      registrations: registrations.map((r) => ({
        roomCode: r.roomCode,
        registrationId: r.registrationId,
        machineId: r.machineId,
        ip: r.ip,
        clientVersion: r.clientVersion,
        registeredAt: r.registeredAt,
        signingPublicKey: r.signingPublicKey,
        credentialHash: r.credentialHash,
      })),
      revokedCredentials: await this.registrations.revokedCredentials(),
    };
    return { siteCode, bytes: sealKdinfo(body, key, dongleId), roomCount: rooms.length, registeredCount: registrations.length };
  }

  async recordDownload(actor: string, roomCount: number, registeredCount: number): Promise<void> {
    await this.audit.record(actor, 'registration.kdinfo.downloaded', { rooms: roomCount, registered: registeredCount });
  }

  /** Writes the sheet and KDINFO into a folder on the site PC (temp name, fsync, rename). */
  async exportTo(folder: string, addresses: SiteAddresses, actor: string): Promise<ExportResult> {
    const dir = await checkExportFolder(folder);
    const { siteCode, html } = await this.sheet(addresses);
    const kd = await this.kdinfo();
    const htmlFile = path.join(dir, siteInfoHtmlName(siteCode));
    const kdinfoFile = path.join(dir, KDINFO_FILE_NAME);
    await writeFileDurably(htmlFile, Buffer.from(html, 'utf8'), { mode: 0o600 });
    await writeFileDurably(kdinfoFile, kd.bytes, { mode: 0o600 });
    await this.audit.record(actor, 'registration.exported', { folder: dir, rooms: kd.roomCount, registered: kd.registeredCount });
    return { folder: dir, htmlFile, kdinfoFile, roomCount: kd.roomCount, registeredCount: kd.registeredCount };
  }

  /** 恢复注册: checks everything first; on any refusal nothing changes. */
  async restore(file: Buffer, actor: string): Promise<RestoreOutcome> {
    const siteCode = this.settings.get().siteCode;
    if (!siteCode) throw conflict('SITE_CODE_MISSING', '请先在“系统设置”中填写考点代码，再恢复注册');
    const { key, dongleId } = await this.key(siteCode);
    let body: KdinfoBody;
    try {
      body = openKdinfo(file, siteCode, key, dongleId);
    } catch (e) {
      await this.audit.record(actor, 'registration.restore.refused', { reason: isTrustError(e) ? e.code : 'error' });
      throw e;
    }
    const mode = this.settings.get().mode;
    if (body.mode !== mode) {
      throw new TrustError(
        'KDINFO_WRONG_MODE',
        `KDINFO 是${MODE_LABEL[body.mode]}的考点信息，当前为${MODE_LABEL[mode]}，无法恢复注册；请选择${MODE_LABEL[mode]}时导出的 KDINFO 文件，或先在“系统设置”中将考试模式改为${MODE_LABEL[body.mode]}再恢复注册`,
      );
    }
    const release = await this.examData.currentRelease();
    if (!release) {
      throw conflict('EXAM_DATA_NOT_LOADED', `尚未载入考务数据：请先载入与导出时相同的考场数据包（发布时间 ${formatChinaTime(body.package.releaseTime)}），再恢复注册`);
    }
    if (release.manifestSha256 !== body.package.manifestSha256 || release.releaseTime !== body.package.releaseTime) {
      throw conflict(
        'KDINFO_OTHER_PACKAGE',
        `KDINFO 对应的考场数据包（发布时间 ${formatChinaTime(body.package.releaseTime)}）与当前载入的数据包（发布时间 ${formatChinaTime(release.releaseTime)}）不一致；请载入相同的数据包后再恢复注册`,
      );
    }
    const rooms = new Set((await this.examData.listRooms()).map((r) => r.roomCode));
    const unknown = [...Object.keys(body.registrationCodes), ...body.registrations.map((r) => r.roomCode)].filter((c) => !rooms.has(c));
    if (unknown.length > 0) throw new TrustError('KDINFO_DAMAGED', KDINFO_DAMAGED_MESSAGE);

    await this.registrations.assertRestorable(body.registrations);

    // One unit of work: the codes and the registrations are restored together or not at all.
    return this.store.write(async () => {
      await this.examData.restoreRegistrationCodes(body.registrationCodes);
      return this.registrations.restore(body.registrations, actor, body.revokedCredentials ?? []);
    });
  }

  private async preconditions(what: string): Promise<{ siteCode: string; release: ReleaseInfo }> {
    const siteCode = this.settings.get().siteCode;
    if (!siteCode) throw conflict('SITE_CODE_MISSING', `请先在“系统设置”中填写考点代码，再${what}`);
    const release = await this.examData.currentRelease();
    if (!release) throw conflict('EXAM_DATA_NOT_LOADED', `尚未载入考务数据，无法${what}；请先完成${LOAD_STEP.label}`).needs(LOAD_STEP);
    return { siteCode, release };
  }

  private async key(siteCode: string): Promise<{ key: Buffer; dongleId: string }> {
    const dongle = this.dongles.assertUsableFor(this.settings.get().mode);
    return { key: kdinfoKey(await dongle.deriveKey(KDINFO_DONGLE_LABEL), siteCode), dongleId: dongle.id() };
  }
}

/** The chosen export folder: an absolute path to an existing, writable folder. */
export async function checkExportFolder(folder: string): Promise<string> {
  const trimmed = folder.trim();
  if (!path.isAbsolute(trimmed)) {
    throw badRequest('EXPORT_FOLDER_INVALID', `导出目录“${trimmed}”不是完整路径，请填写完整路径（如 D:\\考点信息）`);
  }
  const dir = path.resolve(trimmed);
  let stat;
  try {
    stat = await fsp.stat(dir);
  } catch {
    throw badRequest('EXPORT_FOLDER_MISSING', `导出目录 ${dir} 不存在，请先创建该目录或重新选择`);
  }
  if (!stat.isDirectory()) throw badRequest('EXPORT_FOLDER_INVALID', `${dir} 不是目录，请选择一个目录`);
  try {
    await fsp.access(dir, fsConstants.W_OK);
  } catch {
    throw badRequest('EXPORT_FOLDER_READONLY', `导出目录 ${dir} 不可写入，请检查权限或选择其他目录`);
  }
  return dir;
}
