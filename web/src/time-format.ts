// The admin UI shows instants with the product's one China-time formatter (core/time/china-time.ts),
// so the shell, every panel and the server's printed sheets and messages agree.
export { CHINA_TIME_ZONE as SITE_TIME_ZONE, formatChinaTime as formatDateTime } from '../../core/time/china-time';
