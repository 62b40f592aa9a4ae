// 考后: 考后上报 (R8.5, manual §5.2).
import type { WebPluginContribution } from '@web/contributions';
import ReportPage from './report/ReportPage.vue';

export const webContribution: WebPluginContribution = {
  pluginId: 'collection',
  pages: [{ area: 'after', title: '考后上报', order: 20, component: ReportPage }],
};
