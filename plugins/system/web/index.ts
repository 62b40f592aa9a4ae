// 系统管理 (R9): 更多 → 系统备份 / 系统恢复 / 系统初始化 / 事件日志 / 退出系统; 系统设置 → 初始化.
//
// Another stage's panel (e.g. 封场检测, manual §3.4) opens 系统备份 through the shell, by the
// name in ../api/dialogs.ts, never by importing this folder:
//   <SharedDialogButton :dialog="backupDialog" />   (@web/components/SharedDialogButton.vue)
import type { WebPluginContribution } from '@web/contributions';
import { backupDialog } from '../api/dialogs';
import BackupDialog from './BackupDialog.vue';
import EventLogDialog from './EventLogDialog.vue';
import ExitDialog from './ExitDialog.vue';
import InitializeDialog from './InitializeDialog.vue';
import RestoreDialog from './RestoreDialog.vue';
import StopWarning from './StopWarning.vue';

export const webContribution: WebPluginContribution = {
  pluginId: 'system',
  moreMenu: [
    { label: '系统备份', order: 10, component: BackupDialog },
    { label: '系统恢复', order: 20, component: RestoreDialog },
    { label: '系统初始化', order: 30, component: InitializeDialog },
    { label: '事件日志', order: 40, component: EventLogDialog },
    { label: '退出系统', order: 90, component: ExitDialog },
  ],
  settingsActions: [{ label: '初始化', component: InitializeDialog }],
  statusBarItems: [{ component: StopWarning }],
  sharedDialogs: [{ id: backupDialog.id, component: BackupDialog }],
};
