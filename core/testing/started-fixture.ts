/** Anything a test starts and must stop: a test kernel, a test server, a site harness. */
export interface Stoppable {
  stop(): Promise<void>;
}

/**
 * Mocha hooks (call inside `describe`): `start` once before the suite's tests, its value
 * handed to `use` (assign it to the suite's variable, do more setup), stopped after them.
 */
export function startedForSuite<T extends Stoppable>(start: () => Promise<T>, use: (value: T) => void | Promise<void>): void {
  hooks(before, after, start, use);
}

/** Like startedForSuite, with a fresh one for every test. */
export function startedForEachTest<T extends Stoppable>(start: () => Promise<T>, use: (value: T) => void | Promise<void>): void {
  hooks(beforeEach, afterEach, start, use);
}

function hooks<T extends Stoppable>(
  setup: Mocha.HookFunction,
  teardown: Mocha.HookFunction,
  start: () => Promise<T>,
  use: (value: T) => void | Promise<void>,
): void {
  let value: T | null = null;
  setup(async () => {
    value = await start();
    await use(value);
  });
  teardown(async () => {
    await value?.stop();
    value = null;
  });
}
