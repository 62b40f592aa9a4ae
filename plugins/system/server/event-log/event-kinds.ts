import { formatChinaTime } from '../../../../core/time/china-time';
import type { EventKind } from '../../api/event-log';

/**
 * How audit actions (written by every stage) map to the page's kinds: SQL LIKE patterns, one
 * list per kind. An action may be in two kinds (登录失败 is 登录 and 拒绝); the shown kind is
 * the first that matches in this order.
 */
export const EVENT_KIND_PATTERNS: Readonly<Record<EventKind, readonly string[]>> = {
  refusal: ['%.refused', '%.failed', '%.locked', '%.conflict', '%.idle-expired'],
  login: ['login', 'login.%', 'logout', 'session.%', 'password.%'],
  revocation: ['%.revoked'],
  registration: ['proctor.register%', 'proctor.reregistered', 'registration.%'],
  import: ['load.%', 'authorization.imported', 'authorization.verified', 'collection.accepted', '%.import%'],
  report: ['collection.report.%', 'collection.backup.%', '%.reported', 'seal.%'],
  disconnection: ['%.disconnected', '%.reconnected'],
  restart: ['host.%', 'system.restored', 'system.initialized'],
  system: ['system.%'],
};

const KIND_ORDER = Object.keys(EVENT_KIND_PATTERNS) as EventKind[];

function likeToRegExp(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.')}$`);
}

const KIND_TESTS = KIND_ORDER.map((k) => ({ kind: k, tests: EVENT_KIND_PATTERNS[k].map(likeToRegExp) }));

export function eventKindOf(action: string): EventKind | null {
  return KIND_TESTS.find((k) => k.tests.some((t) => t.test(action)))?.kind ?? null;
}

/** Chinese names of the actions the stages record today; others show as 其他事件. */
const EVENT_NAMES: Readonly<Record<string, string>> = {
  login: '管理员登录',
  'login.failed': '管理员登录失败（密码错误）',
  'login.locked': '管理员登录被锁定（多次失败）',
  logout: '管理员退出登录',
  'session.idle-expired': '管理员长时间未操作，登录已失效',
  'password.changed': '修改管理员密码',
  'password.change.failed': '修改管理员密码失败（原密码错误）',
  'proctor.registered': '考场注册',
  'proctor.reregistered': '考场重新注册',
  'proctor.register.failed': '考场注册失败（注册码错误）',
  'proctor.register.locked': '考场注册被锁定（多次失败）',
  'proctor.register.conflict': '考场注册被拒绝（已被其他机器注册）',
  'proctor.register.unlocked': '解除考场注册锁定',
  'registration.revoked': '吊销考场注册',
  'registration.restored': '恢复考场注册',
  'registration.restore.refused': '恢复考场注册被拒绝',
  'registration.kdinfo.downloaded': '下载考点信息（KDINFO）',
  'registration.exported': '导出考场注册信息',
  'load.download': '下载考务数据',
  'load.manual-import': '手动导入考务数据',
  'load.refused': '考务数据被拒绝',
  'authorization.imported': '导入考试授权',
  'authorization.verified': '授权验证',
  'authorization.key-released': '考场领取试卷密钥',
  'collection.accepted': '接收考试结果',
  'collection.conflict': '考试结果冲突（已另存待处理）',
  'collection.report.acknowledged': '考试结果上报成功（中心已确认）',
  'collection.report.failed': '考试结果上报失败',
  'collection.backup.verified': '考试结果备份（已回读校验）',
  'collection.backup.failed': '考试结果备份失败',
  'monitor.disconnected': '考场断开连接',
  'monitor.reconnected': '考场恢复连接',
  'host.started': '考点管理系统启动',
  'host.stopped': '考点管理系统关闭',
  'system.backup': '系统备份',
  'system.mirror': '设置镜像文件夹（持续保护）',
  'system.restored': '系统恢复（已重新启动）',
  'system.initialized': '系统初始化',
};

export function eventNameOf(action: string): string {
  return EVENT_NAMES[action] ?? `其他事件（${action}）`;
}

const DETAIL_LABELS: Readonly<Record<string, string>> = {
  ip: '地址',
  roomCode: '考场',
  sessionNo: '场次',
  machineId: '机器',
  registeredIp: '已注册地址',
  reason: '原因',
  source: '来源',
  mode: '模式',
  version: '版本',
  folder: '目录',
  dir: '目录',
  file: '文件',
  size: '大小（字节）',
  bytes: '大小（字节）',
  note: '备注',
  siteCode: '考点代码',
  rooms: '考场数',
  registered: '已注册',
  files: '文件数',
  sha256: '哈希',
  via: '方式',
  uploadId: '上传编号',
  resumedFrom: '续传位置',
  trustedTime: '可信时间',
  restored: '恢复后启动',
  registrationId: '注册编号',
  clientVersion: '监考软件版本',
  manifestSha256: '数据包哈希',
  releaseTime: '发布时间',
};

/** Values of one key that are codes, in words (how a result came in). */
const VALUE_WORDS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  via: { http: 'HTTP 上传', ftp: 'FTP 上传', manual: '手动回收' },
  source: { online: '在线', file: '文件导入' },
};

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function shownValue(key: string, v: unknown): string {
  if (v === null || v === undefined) return '-';
  if (typeof v === 'boolean') return v ? '是' : '否';
  if (v === 'formal') return '正式考试';
  if (v === 'mock') return '模拟考试';
  if (typeof v === 'string' && VALUE_WORDS[key]?.[v]) return VALUE_WORDS[key][v];
  // Instants are shown in China time, like every time a person reads.
  if (typeof v === 'string' && INSTANT.test(v)) return formatChinaTime(v);
  if (typeof v === 'string' || typeof v === 'number') return String(v);
  if (Array.isArray(v)) return v.map((x) => shownValue(key, x)).join('、');
  if (typeof v === 'object') {
    return Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${DETAIL_LABELS[k] ?? k}：${shownValue(k, x)}`)
      .join('，');
  }
  return String(v);
}

/** Who did it, for people: the administrator's name, 监考机 <考场>, or 系统. */
export function actorLabel(actor: string): string {
  const proctor = /^proctor:(.+)$/.exec(actor);
  if (proctor) return `监考机（考场 ${proctor[1]}）`;
  // A proctor PC before it holds a registration: known by its address only.
  const unregistered = /^proctor@(.+)$/.exec(actor);
  if (unregistered) return `监考机（${unregistered[1]}）`;
  if (actor === 'system' || actor === 'host') return '系统';
  return actor;
}

/** `名称：值；…` for people (never raw JSON). */
export function describeDetail(detailText: string): string {
  let detail: unknown;
  try {
    detail = JSON.parse(detailText);
  } catch {
    return detailText;
  }
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) return '';
  return Object.entries(detail as Record<string, unknown>)
    .map(([k, v]) => `${DETAIL_LABELS[k] ?? k}：${shownValue(k, v)}`)
    .join('；');
}
