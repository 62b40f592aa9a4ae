import type { ProctorCommand } from './commands';
import { acknowledgeNotice, endSession, reportIncident, sendHeartbeat, startSession, type IncidentKind, type ProctorRoomState } from './monitor-calls';
import { formatChinaTime } from '../../../core/time/china-time';

const str = (v: string | boolean | undefined): string => (typeof v === 'string' ? v : '');

function intOption(value: string | boolean | undefined, name: string, fallback?: number): number {
  const text = str(value);
  if (!text && fallback !== undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} 应为非负整数`);
  return n;
}

function stateOption(value: string | boolean | undefined): ProctorRoomState {
  const s = str(value) || 'idle';
  if (s !== 'idle' && s !== 'started' && s !== 'ended') throw new Error('--state 应为 idle、started 或 ended');
  return s;
}

export const heartbeatCommand: ProctorCommand = {
  name: 'heartbeat',
  summary: '发送一次心跳（场次、状态与人数），显示考点时间、心跳间隔和通知',
  options: {
    session: { type: 'string', description: '场次（省略：尚未选择场次）' },
    state: { type: 'string', description: 'idle（默认）、started 或 ended' },
    candidates: { type: 'string', description: '考生人数', required: true },
    'logged-in': { type: 'string', description: '已登录人数（默认 0）' },
    'in-exam': { type: 'string', description: '考试中人数（默认 0）' },
    submitted: { type: 'string', description: '已交卷人数（默认 0）' },
    'no-data': { type: 'boolean', description: '尚未导入考场数据' },
  },
  async run(ctx) {
    const client = await ctx.registeredClient();
    const roomCode = client.credentials!.roomCode;
    const answer = await sendHeartbeat(client, {
      roomCode,
      sessionNo: str(ctx.options.session) ? intOption(ctx.options.session, 'session') : null,
      state: stateOption(ctx.options.state),
      counts: {
        candidates: intOption(ctx.options.candidates, 'candidates'),
        loggedIn: intOption(ctx.options['logged-in'], 'logged-in', 0),
        inExam: intOption(ctx.options['in-exam'], 'in-exam', 0),
        submitted: intOption(ctx.options.submitted, 'submitted', 0),
      },
      dataImported: ctx.options['no-data'] !== true,
    });
    const notices = answer.notices.map((n) => `\n  通知 ${n.id}（${formatChinaTime(n.sentAt)}）：${n.text}`).join('');
    return { text: `考场 ${roomCode} 心跳成功：考点时间 ${formatChinaTime(answer.serverTime)}（${answer.timeSource === 'trusted' ? '可信时间' : '本机时间'}），${answer.intervalSeconds} 秒后再发${notices}`, data: answer };
  },
};

function sessionCommand(name: 'start' | 'end'): ProctorCommand {
  const what = name === 'start' ? '开考' : '结束考试';
  return {
    name,
    summary: `${what}：报告本考场该场次已${name === 'start' ? '开考' : '结束'}（重复执行无副作用）`,
    options: { session: { type: 'string', description: '场次', required: true } },
    async run(ctx) {
      const client = await ctx.registeredClient();
      const roomCode = client.credentials!.roomCode;
      const sessionNo = intOption(ctx.options.session, 'session');
      const r = await (name === 'start' ? startSession : endSession)(client, roomCode, sessionNo);
      return { text: `考场 ${roomCode} 第 ${sessionNo} 场${what}${r.changed ? '成功' : '（此前已报告，未重复）'}：${formatChinaTime(r.at)}`, data: r };
    },
  };
}

export const startCommand = sessionCommand('start');
export const endCommand = sessionCommand('end');

const INCIDENT_KINDS: readonly IncidentKind[] = ['考生机故障', '换机', '违纪', '其他'];

export const incidentCommand: ProctorCommand = {
  name: 'incident',
  summary: '报告本考场的事件（考生机故障、换机、违纪、其他）',
  options: {
    kind: { type: 'string', description: '考生机故障、换机、违纪 或 其他', required: true },
    note: { type: 'string', description: '事件说明', required: true },
    ticket: { type: 'string', description: '涉及的考生准考证号（可省略）' },
    session: { type: 'string', description: '场次（可省略）' },
  },
  async run(ctx) {
    const kind = str(ctx.options.kind);
    if (!INCIDENT_KINDS.includes(kind as IncidentKind)) throw new Error(`--kind 应为 ${INCIDENT_KINDS.join('、')}`);
    const client = await ctx.registeredClient();
    const roomCode = client.credentials!.roomCode;
    const r = await reportIncident(client, {
      roomCode,
      kind: kind as IncidentKind,
      note: str(ctx.options.note),
      ticketNo: str(ctx.options.ticket) || null,
      sessionNo: str(ctx.options.session) ? intOption(ctx.options.session, 'session') : null,
    });
    return { text: `考场 ${roomCode} 事件已报告（编号 ${r.id}，${r.kind}）：${r.note}`, data: r };
  },
};

export const ackCommand: ProctorCommand = {
  name: 'ack',
  summary: '确认收到考点的通知（编号见 heartbeat 的输出）',
  options: { notice: { type: 'string', description: '通知编号', required: true } },
  async run(ctx) {
    const client = await ctx.registeredClient();
    const roomCode = client.credentials!.roomCode;
    const r = await acknowledgeNotice(client, roomCode, intOption(ctx.options.notice, 'notice'));
    return { text: `考场 ${roomCode} 已确认通知 ${r.noticeId}${r.changed ? '' : '（此前已确认）'}：${formatChinaTime(r.ackedAt)}`, data: r };
  },
};
