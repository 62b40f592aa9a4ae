import { dongleIdSchema, publicKeyTextSchema, siteCodeSchema } from '../../../../core/centre/centre-contract';
import { ANY_SITE, CentreSimState } from '../sim-state';
import { EXIT, UsageError, type SimCommand } from './sim-command';

export const registerDongleCommand: SimCommand = {
  name: 'register-dongle',
  summary: '机考锁注册（登记公钥） / register a dongle and its public keys',
  usage: '--data <dir> --id <id> --signing-key <k> --wrapping-key <k> [--site 11003]',
  async run(args, io) {
    const state = new CentreSimState(args.required('data'));
    const id = args.required('id');
    const signing = args.required('signing-key');
    const wrapping = args.required('wrapping-key');
    const site = args.optional('site') ?? ANY_SITE;
    if (!dongleIdSchema.safeParse(id).success) throw new UsageError('机考锁编号格式错误 / bad dongle id');
    if (!publicKeyTextSchema.safeParse(signing).success || !publicKeyTextSchema.safeParse(wrapping).success) {
      throw new UsageError('公钥应为 43 个字符的 base64url 文本 / keys must be 43-char base64url');
    }
    if (site !== ANY_SITE && !siteCodeSchema.safeParse(site).success) throw new UsageError('考点代码应为 5 位数字 / site code must be 5 digits');
    const r = state.registerDongle({ id, signingPublicKey: signing, wrappingPublicKey: wrapping, siteCode: site });
    if ('conflict' in r) {
      io.err(`机考锁 ${id} 已以不同的公钥或考点注册 / already registered with other keys`);
      return EXIT.failed;
    }
    io.out(`${r.created ? 'registered' : 'already registered'} ${id}`);
    return EXIT.ok;
  },
};
