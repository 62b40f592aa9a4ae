import { keysCommand } from './keys-command';
import { publishCommand } from './publish-command';
import { registerDongleCommand } from './register-dongle-command';
import { serveCommand } from './serve-command';
import type { SimCommand } from './sim-command';
import { writePackageCommand } from './write-package-command';
import { writeTimeCommand } from './write-time-command';
import { writePtqCommand, writeVerificationCommand } from './write-ptq-command';

/** The command table. Other stages add theirs here (e.g. write-package, write-ptq). */
export const simCommands: readonly SimCommand[] = [
  serveCommand,
  keysCommand,
  publishCommand,
  writePackageCommand,
  writeTimeCommand,
  registerDongleCommand,
  writePtqCommand,
  writeVerificationCommand,
];
