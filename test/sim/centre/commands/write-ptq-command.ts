import fs from 'node:fs';
import { dongleIdSchema, examModeSchema, isoInstantSchema, siteCodeSchema } from '../../../../core/centre/centre-contract';
import { issueAuthorization, issueVerification } from '../authorization-issuer';
import { CentreSimState } from '../sim-state';
import type { AuthorizationIssueContext } from '../sim-types';
import { EXIT, UsageError, type SimArgs, type SimCommand } from './sim-command';

/** The issue context for one session of a published package, from the CLI flags. */
function contextFrom(args: SimArgs, state: CentreSimState): AuthorizationIssueContext {
  const siteCode = args.required('site');
  if (!siteCodeSchema.safeParse(siteCode).success) throw new UsageError('考点代码应为 5 位数字 / --site must be 5 digits');
  const mode = examModeSchema.safeParse(args.optional('mode') ?? 'mock');
  if (!mode.success) throw new UsageError('--mode 应为 formal 或 mock / --mode must be formal or mock');
  const sessionNo = args.int('session', 0);
  if (sessionNo < 1) throw new UsageError('缺少 --session（场次号） / missing --session');
  const dongleId = args.required('dongle');
  if (!dongleIdSchema.safeParse(dongleId).success) throw new UsageError('机考锁编号格式错误 / bad dongle id');
  const dongle = state.dongle(dongleId);
  if (!dongle) throw new UsageError(`机考锁 ${dongleId} 尚未在模拟监控平台注册（先执行 register-dongle） / dongle not registered`);
  const release = state.release(siteCode, mode.data);
  if (!release) throw new UsageError(`考点 ${siteCode} 的 ${mode.data} 考场数据尚未发布（先执行 publish） / nothing published`);
  const session = release.sessions.find((s) => s.no === sessionNo);
  const contentKey = release.sessionKeys[sessionNo];
  if (!session || !contentKey) throw new UsageError(`已发布的考场数据中没有第 ${sessionNo} 场次 / no such session`);
  return {
    siteCode,
    mode: mode.data,
    sessionNo,
    dongle: { id: dongle.id, wrappingPublicKey: dongle.wrappingPublicKey, signingPublicKey: dongle.signingPublicKey },
    session,
    contentKey,
    key: state.signingKey,
    releaseTime: release.releaseTime,
    manifestSha256: release.manifestSha256,
  };
}

function optionalInstant(args: SimArgs, name: string): string | undefined {
  const v = args.optional(name);
  if (v !== undefined && !isoInstantSchema.safeParse(v).success) throw new UsageError(`--${name} 应为 ISO-8601 时间 / --${name} must be ISO-8601`);
  return v;
}

export const writePtqCommand: SimCommand = {
  name: 'write-ptq',
  summary: '写出一个场次的考试授权文件 .PTQ（手工导入用） / write a session authorization (.PTQ)',
  usage: '--data <dir> --site 11003 --mode mock --session 1 --dongle <id> --out 1.PTQ [--version N] [--not-after ISO]',
  async run(args, io) {
    const state = new CentreSimState(args.required('data'));
    const ctx = contextFrom(args, state);
    const version = args.has('version') ? args.int('version', 1) : undefined;
    if (version !== undefined && version < 1) throw new UsageError('--version 应为正整数 / --version must be ≥ 1');
    const bytes = issueAuthorization(ctx, { version, notAfter: optionalInstant(args, 'not-after') });
    const out = args.required('out');
    fs.writeFileSync(out, bytes);
    io.out(`wrote ${out}`);
    return EXIT.ok;
  },
};

export const writeVerificationCommand: SimCommand = {
  name: 'write-verification',
  summary: '写出一个场次的授权验证文件（离线授权验证用） / write a session verification file',
  usage: '--data <dir> --site 11003 --mode mock --session 1 --dongle <id> --out 1.verify.json [--issued-at ISO] [--version N]',
  async run(args, io) {
    const state = new CentreSimState(args.required('data'));
    const ctx = contextFrom(args, state);
    const now = optionalInstant(args, 'issued-at') ?? new Date().toISOString();
    // Bound to the published package and the authorization version (as write-ptq --version).
    const authorizationVersion = args.has('version') ? args.int('version', 1) : undefined;
    if (authorizationVersion !== undefined && authorizationVersion < 1) throw new UsageError('--version 应为正整数 / --version must be ≥ 1');
    const bytes = issueVerification({ ...ctx, now, authorizationVersion });
    const out = args.required('out');
    fs.writeFileSync(out, bytes);
    io.out(`wrote ${out}`);
    return EXIT.ok;
  },
};
