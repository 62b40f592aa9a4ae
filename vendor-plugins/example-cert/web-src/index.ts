// Entry of the example vendor panel module (R10.2): the shell imports the built
// ../web/index.js at run time and calls activate(); no product rebuild is needed.
import PracticalPage from './PracticalPage.vue';

export function activate(): { pluginId: string; pages: { area: 'during'; title: string; order: number; component: typeof PracticalPage }[] } {
  return { pluginId: 'example-cert', pages: [{ area: 'during', title: '实操任务（示例证书）', order: 90, component: PracticalPage }] };
}
