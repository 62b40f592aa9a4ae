import { createServiceRef } from '../../../core/kernel/refs';
import type { RoomLive } from './contract';

export * from './contract';

/** Public API of 考中 考场监控 (R7): what other plugins (e.g. 封场检测) may read. */
export interface RoomMonitorDirectory {
  /** The live state of every room heard from since the last restart or kept in the snapshot. */
  rooms(): readonly RoomLive[];
}

export const roomMonitorDirectoryRef = createServiceRef<RoomMonitorDirectory>('monitor.directory', '各考场的实时连接与状态');
export * from './centre-reports';
