// Waiting on a condition with a deadline, never a fixed sleep (STYLE §3, chokidar's waitFor):
// the test is as fast as the system allows and fails with a message that says what never happened.
import { setTimeout as sleep } from 'node:timers/promises';

export async function waitFor(
  cond: () => boolean | Promise<boolean>,
  timeoutMs = 5_000,
  what = 'condition',
  pollMs = 20,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (performance.now() >= deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await sleep(pollMs);
  }
}

/** Resolves with the value once `get` returns something other than undefined. */
export async function waitForValue<T>(
  get: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 5_000,
  what = 'a value',
): Promise<T> {
  let value: T | undefined;
  await waitFor(async () => (value = await get()) !== undefined, timeoutMs, what);
  return value as T;
}
