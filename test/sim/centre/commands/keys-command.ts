import { CentreSimState } from '../sim-state';
import { EXIT, type SimCommand } from './sim-command';

export const keysCommand: SimCommand = {
  name: 'keys',
  summary: '输出中心公钥（EXAMSITE_CENTRE_KEYS 的值） / print the value for EXAMSITE_CENTRE_KEYS',
  usage: '--data <dir>',
  async run(args, io) {
    io.out(new CentreSimState(args.required('data')).keysValue);
    return EXIT.ok;
  },
};
