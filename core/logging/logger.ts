import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import { formatChinaTime } from '../time/china-time';

export type { Logger };

export interface LoggerOptions {
  /** Human-readable lines (a person at a terminal) instead of JSON lines (piped to a file or a program). */
  readonly pretty?: boolean;
}

export function createLogger(level: string, name = 'examsite', options: LoggerOptions = {}): Logger {
  const base = { name, level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime };
  if (!options.pretty) return pino(base);
  const stream = pretty({
    colorize: true,
    sync: true,
    ignore: 'name,pid,hostname',
    // The raw ISO time reaches the prettifier: the same China time as everywhere else, whatever zone the PC is set to.
    translateTime: false,
    customPrettifiers: { time: (t) => `[${formatChinaTime(String(t))}]` },
  });
  return pino(base, stream);
}
