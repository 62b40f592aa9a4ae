import type { EntityManager } from 'typeorm';
import type { DurableFileStore } from '../../../core/files/durable-file-store';
import type { DataParticipant } from '../../../core/lifecycle/data-participants';
import type { Store } from '../../../core/store/store';
import type { UnreportedDataSource } from '../../system/api';
import { CollectedResultRow, ResultConflictRow } from './result-rows';
import { ResultBackupRow, ResultReportAckRow } from './report/report-rows';

/** The folders of the plugin holding accepted and kept-aside packages. */
export const RESULT_FOLDERS = ['results', 'conflicts'] as const;

/**
 * Lets acceptances run side by side (each verifies a package for seconds), and lets
 * 系统初始化 wait for those in flight while holding new ones back, so no package lands after
 * the clear.
 */
export class AcceptanceGate {
  private running = 0;
  private idle: (() => void)[] = [];
  private held: Promise<void> | null = null;

  async enter<T>(work: () => Promise<T>): Promise<T> {
    while (this.held) await this.held;
    this.running++;
    try {
      return await work();
    } finally {
      this.running--;
      if (this.running === 0) this.idle.splice(0).forEach((resolve) => resolve());
    }
  }

  async hold<T>(work: () => Promise<T>): Promise<T> {
    while (this.held) await this.held;
    let release: () => void = () => undefined;
    this.held = new Promise<void>((resolve) => (release = resolve));
    try {
      if (this.running > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
      return await work();
    } finally {
      this.held = null;
      release();
    }
  }
}

/** Removes package files no row refers to (after a clear, a restore, or a crash between rename and commit). */
export async function sweepResultFiles(store: Store, files: DurableFileStore): Promise<number> {
  const referenced = new Set<string>([
    ...(await store.manager.find(CollectedResultRow, { select: { file: true } })).map((r) => r.file),
    ...(await store.manager.find(ResultConflictRow, { select: { file: true } })).map((r) => r.file),
  ]);
  let removed = 0;
  for (const folder of RESULT_FOLDERS) removed += await files.sweepUnreferenced(folder, (relative) => referenced.has(relative));
  return removed;
}

/**
 * 数据回收's share of 系统初始化 / 系统备份 / 系统恢复 (core/lifecycle): its tables, and the
 * package files in results/ and conflicts/ (not the partial uploads, which a restore could
 * not finish anyway).
 */
export function collectionDataParticipant(deps: { store: Store; files: DurableFileStore; gate: AcceptanceGate }): DataParticipant {
  const sweep = async (): Promise<void> => {
    await sweepResultFiles(deps.store, deps.files);
  };
  return {
    label: '回收的考试结果',
    folders: RESULT_FOLDERS.map((f) => deps.files.pathOf(f)),
    hold: (work) => deps.gate.hold(work),
    clear: async (em: EntityManager) => {
      for (const entity of [CollectedResultRow, ResultConflictRow, ResultBackupRow, ResultReportAckRow]) await em.createQueryBuilder().delete().from(entity).execute();
    },
    afterClear: sweep,
    afterRestore: sweep,
  };
}

/**
 * R9.3, R9.5: the collected packages the centre has not acknowledged (第二步 上报); in a
 * formal exam the system refuses to initialize or exit while this lists anything.
 */
export function unreportedResults(store: Store): UnreportedDataSource {
  return {
    label: '考试结果',
    async unreported() {
      const acknowledged = new Set((await store.manager.find(ResultReportAckRow, { select: { packageSha256: true } })).map((a) => a.packageSha256));
      return (await store.manager.find(CollectedResultRow, { order: { roomCode: 'ASC', sessionNo: 'ASC' } }))
        .filter((r) => !acknowledged.has(r.packageSha256))
        .map((r) => `考场 ${r.roomCode} 第 ${r.sessionNo} 场的结果数据包尚未上报到监控平台`);
    },
  };
}
