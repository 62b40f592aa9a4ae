// 导入考务 (step 1 of 考前): 载入, manual import, the loaded rooms, 查看 and 门贴座次表 (R2).
import type { WebPluginContribution } from '@web/contributions';
import LoadPanel from './LoadPanel.vue';

export const webContribution: WebPluginContribution = {
  pluginId: 'load',
  stepPanels: [{ step: 1, title: '导入考务', component: LoadPanel }],
};
