// 考场注册 (step 2 of 考前): the registration table, export/restore of site info (R3).
import type { WebPluginContribution } from '@web/contributions';
import RegistrationPanel from './RegistrationPanel.vue';

export const webContribution: WebPluginContribution = {
  pluginId: 'registration',
  stepPanels: [{ step: 2, title: '考场注册', component: RegistrationPanel }],
};
