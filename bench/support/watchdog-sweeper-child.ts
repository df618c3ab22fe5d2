import { BenchChild } from './child.js';

/** What the child needs to run the watchdog sweeper (watchdog-sweeper-process.ts). */
export interface SweeperInit {
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  labOfflineAfterMs: number;
  sweepIntervalMs: number;
}

export type SweeperEvent =
  | { type: 'ready' }
  /** The sweeper logged this recipe aborted (right after the abort committed), at `at`. */
  | { type: 'aborted'; recipeId: number; at: number }
  /** One sweep, from its start to its end, and what it did. */
  | { type: 'sweep'; start: number; end: number; aborted: number; skipped: number; failed: number }
  /** A log line at warn level or above. */
  | { type: 'warning'; line: string };

/**
 * The watchdog sweeper in a process of its own, as production runs it (in the scheduler
 * process, beside the server): it does not share the server's event loop or connection pool.
 */
export async function startSweeperProcess(init: SweeperInit): Promise<BenchChild<SweeperEvent>> {
  return BenchChild.start<SweeperEvent>('watchdog sweeper', './watchdog-sweeper-process.js', init);
}
