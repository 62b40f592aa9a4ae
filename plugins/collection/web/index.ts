// 考后: 数据回收 (R8.1–R8.4, manual §5.1) and 考后上报 (R8.5, manual §5.2).
import type { WebPluginContribution } from '@web/contributions';
import CollectionPage from './collection/CollectionPage.vue';
import ReportPage from './report/ReportPage.vue';

export const webContribution: WebPluginContribution = {
  pluginId: 'collection',
  pages: [
    { area: 'after', title: '数据回收', order: 10, component: CollectionPage },
    { area: 'after', title: '考后上报', order: 20, component: ReportPage },
  ],
};
