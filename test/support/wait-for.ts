import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls `probe` until it returns a value, or fails naming `what` after `ms`. For conditions
 * that no event announces (a row in another process's database, a file a child writes).
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  ms = 15_000,
  everyMs = 20,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(everyMs); // the polling interval, bounded by the deadline
  }
}
