/**
 * Polls `check` until it returns a truthy value and returns that value; fails with
 * "timed out waiting for: <what>" after `timeoutMs`. For tests that wait on work the
 * server does in the background (outbox, network probe, live-event listeners).
 */
export async function waitFor<T>(what: string, check: () => Promise<T> | T, timeoutMs = 10_000, everyMs = 50): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
