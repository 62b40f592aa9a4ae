// 考中 考场监控 (R7).
import type { WebPluginContribution } from '@web/contributions';
import MonitorPage from './MonitorPage.vue';

export const webContribution: WebPluginContribution = {
  pluginId: 'monitor',
  pages: [{ area: 'during', title: '考场监控', order: 10, component: MonitorPage }],
};
