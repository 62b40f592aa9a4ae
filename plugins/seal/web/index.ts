// 封场检测 (step 4 of 考前, R5).
import type { WebPluginContribution } from '@web/contributions';
import SealPanel from './SealPanel.vue';

export const webContribution: WebPluginContribution = {
  pluginId: 'seal',
  stepPanels: [{ step: 4, title: '封场检测', component: SealPanel }],
};
