// 考试授权 (step 3, R4) and 授权验证 with 机考锁校时 (step 5, R6.1, R6.2).
import type { WebPluginContribution } from '@web/contributions';
import AuthorizationPanel from './AuthorizationPanel.vue';
import VerificationPanel from './VerificationPanel.vue';

export const webContribution: WebPluginContribution = {
  pluginId: 'authorization',
  stepPanels: [
    { step: 3, title: '考试授权', component: AuthorizationPanel },
    { step: 5, title: '授权验证', component: VerificationPanel },
  ],
};
