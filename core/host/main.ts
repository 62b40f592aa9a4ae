import 'reflect-metadata';
import { ConfigError, loadConfig } from '../config/config';
import { createLogger } from '../logging/logger';
import { hostStopRefusedTopic } from '../lifecycle/host-control';
import { coreServices } from '../services';
import { startHost } from './host';
import { formatStartBanner } from './start-banner';
import { StopSignalGuard } from './stop-signal-guard';

/** `npm start`: the product on the site PC. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  // A person at a terminal gets readable lines and a banner; a pipe (service manager, log file) gets JSON lines.
  const terminal = process.stdout.isTTY === true;
  const logger = createLogger(config.logLevel, 'examsite', { pretty: terminal });
  const host = await startHost({
    config,
    logger,
    onExit: () => process.exit(0),
    onReady: (summary) => {
      if (terminal) process.stdout.write(formatStartBanner(summary));
    },
  });
  const signals = new StopSignalGuard(host.control, logger, Date.now, (message) => {
    host.kernel.get(coreServices.liveEvents).then(
      (live) => live.publish(hostStopRefusedTopic, { message }),
      () => undefined,
    );
  });
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping || !(await signals.mayStop(signal))) return;
    stopping = true;
    logger.warn({ signal }, '收到停止信号，正在安全关闭考点管理系统');
    host.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        logger.error({ err: e }, '关闭时出错');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((e: unknown) => {
  const message = e instanceof Error ? e.message : String(e);
  process.stderr.write(`考点管理系统启动失败：${message}\n`);
  process.exit(1);
});
