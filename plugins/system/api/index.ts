import { createExtensionPoint } from '../../../core/kernel/refs';

/** Public API of 系统管理 (R9): what other stages contribute to the system stage. */

/**
 * Something a stage has not yet reported to the centre. During a formal exam the system
 * refuses to initialize or exit while any source still lists something (R9.3, R9.5):
 * e.g. the collection stage lists the rooms whose results the centre has not acknowledged.
 */
export interface UnreportedDataSource {
  /** Shown before the list, e.g. 考试结果. */
  readonly label: string;
  /** Chinese lines, one per thing not yet reported (empty = everything reported). */
  unreported(): Promise<readonly string[]>;
}

export const unreportedDataPoint = createExtensionPoint<UnreportedDataSource>(
  'system.unreportedData',
  '尚未上报到监控平台的数据（正式考试期间据此拒绝初始化与退出系统）',
);
