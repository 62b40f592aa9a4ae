import { RESULT_REPORT_KIND, collectionChangedTopic, type CollectionChanged } from '../api/contract';
import { promises as fsp } from 'node:fs';
import type { AuditLog } from '../../../core/auth/audit';
import type { Outbox } from '../../../core/centre/outbox';
import { sha256File } from '../../../core/crypto/hash';
import type { LiveEvents } from '../../../core/events/live-events';
import type { DurableFileStore } from '../../../core/files/durable-file-store';
import { AppError, badRequest, conflict, forbidden } from '../../../core/http/errors';
import { formatBytes } from '../../../core/http/body';
import type { SiteSettings } from '../../../core/settings/site-settings';
import type { Store } from '../../../core/store/store';
import { isoNow } from '../../../core/store/columns';
import type { ExamDataService } from '../../load/api';
import type { RegistrationDirectory } from '../../registration/api';
import {
  type DeclaredPackage,
  type DeclaredProof,
  type IntakeChannel,
  type IntakeOutcome,
  type ResultIntakeService,
  type ResultPackageValidator,
  type ResultReceipt,
} from '../api';
import type { ResultManifest } from '../api/result-package-format';
import type { AcceptanceGate } from './collection-data';
import { CollectionProgress } from './collection-progress';
import type { ReceiptSigner } from './receipt-signer';
import { resultRefused, type ExpectedResult } from './result-package-verifier';
import { verifyResultPackageInWorker } from './result-verify-thread';
import { CollectedResultRow, ResultConflictRow } from './result-rows';

export interface ResultIntakeDeps {
  readonly store: Store;
  readonly files: DurableFileStore;
  readonly examData: ExamDataService;
  readonly registrations: RegistrationDirectory;
  readonly settings: SiteSettings;
  readonly signer: ReceiptSigner;
  readonly audit: AuditLog;
  readonly outbox: Outbox;
  readonly live: LiveEvents;
  /** Acceptances pass through it so 系统初始化 can hold them back (collection-data.ts). */
  readonly gate: AcceptanceGate;
  /** The `collection.validators` contributions (read when a package is checked). */
  readonly validators: () => readonly ResultPackageValidator[];
}

/** Names the `collection.result` report of one accepted package (its 上报情况 is that entry's state). */
export function resultReportKey(siteCode: string, mode: string, roomCode: string, sessionNo: number, sha256: string): string {
  return `collection-result:${siteCode}:${mode}:${roomCode}:${sessionNo}:${sha256}`;
}

/**
 * The one acceptance path of result packages (issue 12 points 1, 4): HTTP/tus, FTP and
 * 手动回收 all end here. A package is accepted only when the whole file is there with its
 * declared size and SHA-256, the proctor's signature and every manifest check pass and
 * every validator agrees; then, in ONE unit of work, the file is moved into
 * `results/<room>/<session>/<sha256>.zip`, the row stored, the report queued and the
 * acceptance audited. The same package again returns the same receipt; a different one
 * for a collected room and session is kept aside as a conflict.
 */
export class ResultIntake implements ResultIntakeService {
  private readonly progress: CollectionProgress;

  constructor(private readonly deps: ResultIntakeDeps) {
    this.progress = new CollectionProgress(deps.examData, deps.outbox, deps.settings);
  }

  acceptFile(roomCode: string, sessionNo: number, filePath: string, declared: DeclaredPackage, via: IntakeChannel, proof: DeclaredProof = 'unchecked'): Promise<IntakeOutcome> {
    return this.deps.gate.enter(() => this.acceptNow(roomCode, sessionNo, filePath, declared, via, proof));
  }

  private async acceptNow(roomCode: string, sessionNo: number, filePath: string, declared: DeclaredPackage, via: IntakeChannel, proof: DeclaredProof): Promise<IntakeOutcome> {
    const { store, files, settings } = this.deps;
    if (!/^\d{8}$/.test(roomCode)) throw badRequest('RESULT_ROOM_INVALID', `考场代码 ${roomCode} 格式错误，应为 8 位数字`);
    if (!Number.isInteger(sessionNo) || sessionNo < 1 || sessionNo > 99) throw badRequest('RESULT_SESSION_INVALID', `场次 ${sessionNo} 无效，应为 1–99 的整数`);
    if (!files.contains(filePath)) throw new Error(`result package outside the collection folder: ${filePath}`);
    await checkDeclared(filePath, declared, proof);

    const existing = await store.manager.findOneBy(CollectedResultRow, { roomCode, sessionNo });
    if (existing && existing.packageSha256 === declared.sha256) {
      await fsp.rm(filePath, { force: true });
      return { receipt: JSON.parse(existing.receiptJson) as ResultReceipt, duplicate: true };
    }
    const manifest = await this.check(roomCode, sessionNo, filePath);
    if (existing) return this.keepAside(roomCode, sessionNo, filePath, declared, via);

    const { siteCode, mode } = siteOf(settings);
    const acceptedAt = isoNow();
    const receipt = await this.deps.signer.sign(
      { v: 1, kind: 'examsite.result-receipt', siteCode, mode, roomCode, sessionNo, packageSha256: declared.sha256, packageSize: declared.size, acceptedAt, via },
      mode,
    );
    const target = `results/${roomCode}/${sessionNo}/${declared.sha256}.zip`;
    const outcome = await files.adopt(filePath, target, async (em) => {
      // Re-read inside the serialized write: a parallel upload of the same room may have won.
      const winner = await em.findOneBy(CollectedResultRow, { roomCode, sessionNo });
      if (winner) return winner.packageSha256 === declared.sha256 ? { duplicateOf: winner } : { lostTo: winner };
      const row: CollectedResultRow = {
        roomCode,
        sessionNo,
        packageSha256: declared.sha256,
        packageSize: declared.size,
        file: target,
        via,
        acceptedAt,
        subjectsJson: JSON.stringify(manifest.subjects),
        receiptJson: JSON.stringify(receipt),
      };
      await em.save(CollectedResultRow, row);
      await this.deps.outbox.enqueue(RESULT_REPORT_KIND, reportOf(manifest, declared, acceptedAt, via), {
        idempotencyKey: resultReportKey(siteCode, mode, roomCode, sessionNo, declared.sha256),
      });
      await this.deps.audit.record(`proctor:${roomCode}`, 'collection.accepted', { roomCode, sessionNo, sha256: declared.sha256, size: declared.size, via });
      await this.progress.reportIfComplete(em);
      return { stored: row };
    });
    if ('duplicateOf' in outcome) return { receipt: JSON.parse(outcome.duplicateOf!.receiptJson) as ResultReceipt, duplicate: true };
    if ('lostTo' in outcome) {
      // The file is now in results/ under the same name the winner does not use: put it aside.
      return this.keepAside(roomCode, sessionNo, files.pathOf(target), declared, via);
    }
    this.changed({ roomCode, sessionNo, change: 'collected' });
    return { receipt, duplicate: false };
  }

  /** Every check of point 1 and the validators; changes nothing. */
  private async check(roomCode: string, sessionNo: number, filePath: string): Promise<ResultManifest> {
    const expected = await this.expected(roomCode, sessionNo);
    const manifest = await verifyResultPackageInWorker(filePath, expected);
    for (const v of this.deps.validators()) {
      try {
        await v.validate(manifest, { roomCode, sessionNo });
      } catch (e) {
        const why = e instanceof Error && e.message ? e.message : '内容无效';
        throw resultRefused('RESULT_VALIDATOR_REFUSED', `结果数据包未通过 ${v.id} 的检查：${why}`);
      }
    }
    return manifest;
  }

  private async expected(roomCode: string, sessionNo: number): Promise<ExpectedResult> {
    const { siteCode, mode } = siteOf(this.deps.settings);
    const [registration, room, sessions] = await Promise.all([
      this.deps.registrations.of(roomCode),
      this.deps.examData.room(roomCode),
      this.deps.examData.sessions(),
    ]);
    if (!room) throw resultRefused('RESULT_ROOM_UNKNOWN', `考场 ${roomCode} 不在已载入的考务数据中，无法回收其结果数据包`);
    const session = room.sessions.find((s) => s.no === sessionNo) ?? null;
    if (!session) throw resultRefused('RESULT_SESSION_UNKNOWN', `考场 ${roomCode} 没有第 ${sessionNo} 场考试，请核对场次`);
    if (!registration) throw forbidden('RESULT_ROOM_NOT_REGISTERED', `考场 ${roomCode} 尚未注册（或注册已被撤销），无法确认结果数据包的来源；请先完成考场注册`);
    const subjects = sessions.find((s) => s.no === sessionNo)?.subjects ?? session.subjects;
    return {
      siteCode,
      mode,
      roomCode,
      sessionNo,
      registrationId: registration.registrationId,
      signingPublicKey: registration.signingPublicKey,
      subjects: new Set(subjects.map((s) => s.code)),
      candidates: new Map(room.candidates.filter((c) => c.sessionNo === sessionNo).map((c) => [c.ticketNo, c.subjectCodes])),
    };
  }

  private async keepAside(roomCode: string, sessionNo: number, filePath: string, declared: DeclaredPackage, via: IntakeChannel): Promise<never> {
    const target = `conflicts/${roomCode}/${sessionNo}/${declared.sha256}.zip`;
    const known = await this.deps.store.manager.findOneBy(ResultConflictRow, { packageSha256: declared.sha256 });
    if (known) {
      await fsp.rm(filePath, { force: true });
    } else {
      await this.deps.files.adopt(filePath, target, async (em) => {
        await em.save(ResultConflictRow, { packageSha256: declared.sha256, roomCode, sessionNo, packageSize: declared.size, file: target, via, receivedAt: isoNow() });
        await this.deps.audit.record(`proctor:${roomCode}`, 'collection.conflict', { roomCode, sessionNo, sha256: declared.sha256, via });
      });
      this.changed({ roomCode, sessionNo, change: 'conflict' });
    }
    throw conflict(
      'RESULT_CONFLICT',
      `考场 ${roomCode} 第 ${sessionNo} 场已回收了另一个结果数据包；本次收到的数据包（${formatBytes(declared.size)}）已另行保存，等待考点管理员在“数据回收”中处理，已回收的数据未被覆盖`,
    );
  }

  private changed(event: CollectionChanged): void {
    this.deps.live.publish(collectionChangedTopic, event);
  }
}

function siteOf(settings: SiteSettings): { siteCode: string; mode: 'formal' | 'mock' } {
  const s = settings.get();
  if (!s.siteCode) throw new AppError(409, 'SITE_CODE_MISSING', '考点尚未设置考点代码，暂不能回收结果数据包');
  return { siteCode: s.siteCode, mode: s.mode };
}

/** The whole file, as declared: size first (cheap), then the streamed SHA-256. */
async function checkDeclared(filePath: string, declared: DeclaredPackage, proof: DeclaredProof): Promise<void> {
  const size = (await fsp.stat(filePath)).size;
  if (size !== declared.size) {
    throw resultRefused('RESULT_SIZE_MISMATCH', `收到的结果数据包大小 ${formatBytes(size)} 与声明的 ${formatBytes(declared.size)} 不一致，文件不完整；请重新上报`);
  }
  // A sink that hashed the bytes as it wrote them already proved this (one read less per package).
  if (proof === 'unchecked' && (await sha256File(filePath)) !== declared.sha256) {
    throw resultRefused('RESULT_HASH_MISMATCH', '收到的结果数据包 SHA-256 与声明的不一致，文件在传输中损坏；请重新上报');
  }
}

function reportOf(m: ResultManifest, declared: DeclaredPackage, acceptedAt: string, via: IntakeChannel): Record<string, unknown> {
  return {
    roomCode: m.roomCode,
    sessionNo: m.sessionNo,
    packageSha256: declared.sha256,
    packageSize: declared.size,
    acceptedAt,
    via,
    subjects: m.subjects.map((s) => ({ subjectCode: s.subjectCode, present: s.present.length, absent: s.absent.length, submitted: s.submitted.length })),
  };
}
