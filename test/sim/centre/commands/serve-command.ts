import fs from 'node:fs';
import { sitePackageSpecSchema, startCentreSimulator, summary } from '../centre-simulator';
import { defaultPackageBuilder } from '../default-builder';
import { EXIT, type SimCommand } from './sim-command';

export const serveCommand: SimCommand = {
  name: 'serve',
  summary: '启动模拟监控平台 / run the simulated monitoring platform',
  usage: '--data <dir> [--port 9290] [--host 127.0.0.1] [--spec spec.json]',
  async run(args, io) {
    const dataDir = args.required('data');
    const specFile = args.optional('spec');
    const sim = await startCentreSimulator({
      dataDir,
      port: args.int('port', 9290),
      host: args.optional('host') ?? '127.0.0.1',
      builder: defaultPackageBuilder,
      log: (line) => io.out(line),
    });
    if (specFile) {
      if (!defaultPackageBuilder) {
        io.err('数据包生成器尚未接入（test/sim/centre/default-builder.ts），无法按 --spec 发布 / no package builder wired');
        await sim.stop();
        return EXIT.unavailable;
      }
      const spec = sitePackageSpecSchema.parse(JSON.parse(fs.readFileSync(specFile, 'utf8')));
      io.out(`published ${JSON.stringify(summary(await sim.publish(spec)))}`);
    }
    io.out(`url ${sim.url}`);
    io.out(`EXAMSITE_CENTRE_URL=${sim.url}`);
    io.out(`EXAMSITE_CENTRE_KEYS=${sim.keys}`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await sim.stop();
    return EXIT.ok;
  },
};
