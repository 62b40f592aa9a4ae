import fs from 'node:fs';
import { createTimeToken } from '../../../../core/clock/time-token';
import { dongleIdSchema, isoInstantSchema } from '../../../../core/centre/centre-contract';
import { CentreSimState } from '../sim-state';
import { EXIT, UsageError, type SimCommand } from './sim-command';

export const writeTimeCommand: SimCommand = {
  name: 'write-time',
  summary: '写出机考锁校时文件（手工导入用） / write a signed time-token file for manual calibration',
  usage: '--data <dir> --dongle <id> --out token.json [--time 2026-06-01T08:00:00Z]',
  async run(args, io) {
    const state = new CentreSimState(args.required('data'));
    const dongleId = args.required('dongle');
    if (!dongleIdSchema.safeParse(dongleId).success) throw new UsageError('机考锁编号格式错误 / bad dongle id');
    const at = args.optional('time');
    if (at !== undefined && !isoInstantSchema.safeParse(at).success) throw new UsageError('--time 应为 ISO-8601 时间 / --time must be ISO-8601');
    if (!state.dongle(dongleId)) io.err(`注意：机考锁 ${dongleId} 尚未在模拟监控平台注册 / note: dongle not registered`);
    const token = createTimeToken({ time: at ?? new Date(), dongleId }, state.signingKey.privateKeyPem);
    const out = args.required('out');
    fs.writeFileSync(out, `${JSON.stringify(token, null, 2)}\n`);
    io.out(`wrote ${out}`);
    return EXIT.ok;
  },
};
