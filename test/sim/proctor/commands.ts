import { DEFAULT_CREDENTIALS_FILE, deleteCredentials, loadCredentials, saveCredentials } from './credentials-file';
import { ProctorClient, defaultMachineId } from './proctor-client';
import { parsePin } from './pinned-tls';
import { ackCommand, endCommand, heartbeatCommand, incidentCommand, startCommand } from './monitor-commands';
import { contentCommand, keyCommand } from './session-key-commands';
import { simulateCommand } from './simulate-command';
import { exportCommand, uploadCommand } from './result-commands';
import { formatChinaTime } from '../../../core/time/china-time';

/**
 * The proctor CLI's command table. A later stage adds a command by writing one
 * `ProctorCommand` and appending it to `proctorCommands` — cli.ts needs no change.
 */

export type OptionSpec = { readonly type: 'string' | 'boolean'; readonly description: string; readonly required?: boolean };

export interface CommandResult {
  /** What a person reads (Chinese). */
  readonly text: string;
  /** What `--json` prints. */
  readonly data: unknown;
}

export interface CommandContext {
  readonly options: Readonly<Record<string, string | boolean | undefined>>;
  readonly positionals: readonly string[];
  /** --credentials, default ./proctor-credentials.json (or PROCTOR_CREDENTIALS). */
  readonly credentialsFile: string;
  /** Progress lines of long-running commands (silent with --json). */
  readonly progress: (line: string) => void;
  /** A client with the saved credentials (fails with a clear message when not registered). */
  registeredClient(): Promise<ProctorClient>;
}

export interface ProctorCommand {
  readonly name: string;
  readonly summary: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  run(ctx: CommandContext): Promise<CommandResult>;
}

export function credentialsFileFrom(option: string | boolean | undefined): string {
  return typeof option === 'string' && option ? option : process.env.PROCTOR_CREDENTIALS || DEFAULT_CREDENTIALS_FILE;
}

export async function registeredClientFrom(file: string): Promise<ProctorClient> {
  const creds = await loadCredentials(file);
  if (!creds) throw new Error(`没有找到凭证文件 ${file}：请先执行 register（--site --room --code）`);
  return ProctorClient.fromCredentials(creds);
}

const str = (v: string | boolean | undefined): string => (typeof v === 'string' ? v : '');

export const registerCommand: ProctorCommand = {
  name: 'register',
  summary: '用考场代码和注册码注册到考点，凭证保存到本地文件',
  options: {
    site: { type: 'string', description: '考点地址，如 https://192.168.1.10:9190（加密，须给出 --pin）或 http://192.168.1.10:9190（未加密）', required: true },
    pin: { type: 'string', description: '考点证书 SHA-256 指纹（考点信息单上印有），https:// 地址必填' },
    room: { type: 'string', description: '考场代码（8 位）', required: true },
    code: { type: 'string', description: '注册码', required: true },
    'machine-id': { type: 'string', description: '本机标识（默认由主机名和网卡地址生成）' },
    'client-version': { type: 'string', description: '客户端版本号（默认 1.0.0）' },
  },
  async run(ctx) {
    const saved = await loadCredentials(ctx.credentialsFile).catch(() => null);
    // The saved credential proves this PC holds the room: re-registering a registered room needs it.
    const site = str(ctx.options.site).replace(/\/+$/, '');
    const pinText = str(ctx.options.pin);
    const client = new ProctorClient(site, saved && saved.siteUrl === site ? saved : null, pinText ? { pin: parsePin(pinText) } : {});
    const r = await client.register({
      roomCode: str(ctx.options.room),
      registrationCode: str(ctx.options.code),
      machineId: str(ctx.options['machine-id']) || saved?.machineId || defaultMachineId(),
      clientVersion: str(ctx.options['client-version']) || undefined,
    });
    // Secrets stay in the 0600 credentials file, never on the console or in a piped log.
    const { token: _token, signingPrivateKeyPem: _key, ...shown } = r;
    void _token;
    void _key;
    await saveCredentials(ctx.credentialsFile, client.credentials!);
    const again = r.alreadyRegistered ? '（本机此前已注册，已换发新凭证）' : '';
    return {
      text: `注册成功${again}：考点 ${r.siteCode} 考场 ${r.roomCode}，本机 IP ${r.registeredIp}；凭证已保存到 ${ctx.credentialsFile}`,
      data: { ...shown, credentialsFile: ctx.credentialsFile },
    };
  },
};

export const whoamiCommand: ProctorCommand = {
  name: 'whoami',
  summary: '向考点确认本机注册仍有效',
  options: {},
  async run(ctx) {
    const w = await (await ctx.registeredClient()).whoami();
    return { text: `已注册：考点 ${w.siteCode} 考场 ${w.roomCode}（注册 IP ${w.registeredIp}，机器 ${w.machineId}）`, data: w };
  },
};

export const roomCommand: ProctorCommand = {
  name: 'room',
  summary: '获取本考场的场次、考生和座次',
  options: {},
  async run(ctx) {
    const room = await (await ctx.registeredClient()).room();
    const lines = [`考场 ${room.roomCode} ${room.roomName}（${room.address}），数据发布时间 ${formatChinaTime(room.releaseTime)}`];
    for (const s of room.sessions) {
      const n = room.candidates.filter((c) => c.sessionNo === s.no).length;
      lines.push(`  场次 ${s.no} ${s.name}  开考 ${formatChinaTime(s.startsAt)}  ${s.durationMinutes} 分钟  考生 ${n} 人`);
    }
    return { text: lines.join('\n'), data: room };
  },
};

export const forgetCommand: ProctorCommand = {
  name: 'forget',
  summary: '删除本地保存的凭证（不通知考点；考点侧请用“撤销注册”）',
  options: {},
  async run(ctx) {
    const removed = await deleteCredentials(ctx.credentialsFile);
    return { text: removed ? `已删除 ${ctx.credentialsFile}` : `${ctx.credentialsFile} 不存在`, data: { removed } };
  },
};

export const proctorCommands: ProctorCommand[] = [
  registerCommand,
  whoamiCommand,
  roomCommand,
  forgetCommand,
  keyCommand,
  contentCommand,
  heartbeatCommand,
  startCommand,
  endCommand,
  incidentCommand,
  ackCommand,
  simulateCommand,
  exportCommand,
  uploadCommand,
];
