import fs from 'node:fs';
import type { ProctorCommand } from './commands';
import { parseRegistrationCodes, prepareRooms, registrationCodesFromSite, simulateRooms } from './room-simulation';

const str = (v: string | boolean | undefined): string => (typeof v === 'string' ? v : '');

function positive(value: string | boolean | undefined, name: string, fallback?: number): number | undefined {
  const text = str(value);
  if (!text) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} 应为正数`);
  return n;
}

/** `simulate`: drives N rooms (counts moving, start, end) for the demo and the bench (issue 11 point 8). */
export const simulateCommand: ProctorCommand = {
  name: 'simulate',
  summary: '模拟多个考场的监考机：按心跳间隔上报人数，开考、结束考试，并确认通知',
  options: {
    site: { type: 'string', description: '考点地址，如 http://10.0.0.1:9190', required: true },
    codes: { type: 'string', description: '注册码文件（每行“考场代码,注册码”，或 JSON 对象）' },
    'admin-user': { type: 'string', description: '从考点读取注册码时的管理员（默认 admin；仅在考点本机可用）' },
    'admin-password': { type: 'string', description: '从考点读取注册码时的管理员密码（代替 --codes）' },
    rooms: { type: 'string', description: '只模拟前 N 个考场（默认全部）' },
    session: { type: 'string', description: '场次（默认 1）' },
    seconds: { type: 'string', description: '运行秒数（默认 60）' },
    interval: { type: 'string', description: '心跳间隔秒数（默认按考点应答）' },
    'start-after': { type: 'string', description: '第几秒开考（默认运行时间的 1/3）' },
    'end-after': { type: 'string', description: '第几秒结束考试（默认运行时间的 90%）' },
    'credentials-dir': { type: 'string', description: '各考场凭证保存目录（默认 ./sim-data/proctors）' },
  },
  async run(ctx) {
    const site = str(ctx.options.site);
    const codesFile = str(ctx.options.codes);
    const password = str(ctx.options['admin-password']);
    if (!codesFile && !password) throw new Error('请用 --codes 指定注册码文件，或用 --admin-password 从考点读取注册码');
    let codes = codesFile ? parseRegistrationCodes(fs.readFileSync(codesFile, 'utf8')) : await registrationCodesFromSite(site, str(ctx.options['admin-user']) || 'admin', password);
    const limit = positive(ctx.options.rooms, 'rooms');
    if (limit !== undefined) codes = codes.slice(0, Math.floor(limit));
    if (codes.length === 0) throw new Error('没有可模拟的考场：注册码列表为空');
    const sessionNo = Math.floor(positive(ctx.options.session, 'session', 1)!);
    const seconds = positive(ctx.options.seconds, 'seconds', 60)!;
    const rooms = await prepareRooms(site, codes, sessionNo, str(ctx.options['credentials-dir']) || 'sim-data/proctors');
    ctx.progress(`已注册 ${rooms.length} 个考场，开始模拟第 ${sessionNo} 场，共 ${seconds} 秒`);
    const summary = await simulateRooms(rooms, {
      sessionNo,
      seconds,
      intervalSeconds: positive(ctx.options.interval, 'interval'),
      startAfterSeconds: positive(ctx.options['start-after'], 'start-after'),
      endAfterSeconds: positive(ctx.options['end-after'], 'end-after'),
      onRound: ctx.progress,
    });
    const text = `模拟结束：${summary.rooms} 个考场，心跳 ${summary.beats} 次，开考 ${summary.started}，结束 ${summary.ended}，确认通知 ${summary.noticesAcknowledged}`;
    // A run with errors fails (exit 1), so a script or the bench cannot miss them.
    if (summary.errors) throw new Error(`${text}，错误 ${summary.errors} 次：${summary.errorMessages.join('；')}`);
    return { text: `${text}，无错误`, data: summary };
  },
};
