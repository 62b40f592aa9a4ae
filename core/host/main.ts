import 'reflect-metadata';
import { ConfigError, loadConfig } from '../config/config';
import { createLogger } from '../logging/logger';
import { startHost } from './host';

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
  const logger = createLogger(config.logLevel);
  const host = await startHost({ config, logger });
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
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
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((e: unknown) => {
  const message = e instanceof Error ? e.message : String(e);
  process.stderr.write(`考点管理系统启动失败：${message}\n`);
  process.exit(1);
});
