import { createNodeHidTransport } from '../../core/dongle/hid-transport';
import { runDoctor } from './run-doctor';

/**
 * `npm run doctor`: the site technician's check before exam day (issue 14 point 5).
 * It reads the same configuration as the product and never starts it.
 */
async function main(): Promise<void> {
  const report = await runDoctor({
    env: process.env,
    dongle: {
      loadHid: () => require('node-hid') as unknown,
      transport: createNodeHidTransport(),
      platform: process.platform,
      libDirs: ['/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib/aarch64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/usr/local/lib'],
      udevRuleDirs: ['/etc/udev/rules.d', '/lib/udev/rules.d', '/usr/lib/udev/rules.d'],
      now: Date.now,
    },
    print: (line) => process.stdout.write(`${line}\n`),
  });
  process.exitCode = report.exitCode;
}

void main();
