import fs from 'node:fs';
import { sitePackageSpecSchema, summary } from '../centre-simulator';
import { defaultPackageBuilder } from '../default-builder';
import { CentreSimState } from '../sim-state';
import { EXIT, type SimCommand } from './sim-command';

export const publishCommand: SimCommand = {
  name: 'publish',
  summary: '按规格生成并发布考场数据包（运行中的服务立即可见） / build and publish a site package',
  usage: '--data <dir> --spec spec.json',
  async run(args, io) {
    const state = new CentreSimState(args.required('data'));
    const specFile = args.required('spec');
    if (!defaultPackageBuilder) {
      io.err('数据包生成器尚未接入（test/sim/centre/default-builder.ts） / no package builder wired');
      return EXIT.unavailable;
    }
    const spec = sitePackageSpecSchema.parse(JSON.parse(fs.readFileSync(specFile, 'utf8')));
    const built = await defaultPackageBuilder(spec, state.signingKey);
    io.out(JSON.stringify(summary(state.savePublished(built))));
    return EXIT.ok;
  },
};
