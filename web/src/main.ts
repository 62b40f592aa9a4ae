import { createApp } from 'vue';
import ElementPlus from 'element-plus';
import zhCn from 'element-plus/es/locale/lang/zh-cn';
import 'element-plus/dist/index.css';
import './styles.css';
import App from './App.vue';
import { host, loadInRepoContributions } from './contributions';

window.ExamSiteHost = host;
loadInRepoContributions();

const app = createApp(App);
app.use(ElementPlus, { locale: zhCn });
// Never show a stack trace to the administrator: log it, show a calm message.
app.config.errorHandler = (err, _instance, info) => {
  console.error('界面错误', info, err);
};
app.mount('#app');
