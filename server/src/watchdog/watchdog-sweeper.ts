/**
 * Beaker's beaker-watchdog expiry loop, moved next to the database: every `sweepIntervalMs` it
 * aborts the recipes whose watchdog expired ("External Watchdog Expired"), after making up for
 * outages (sweep-record.ts, expiry-rule.ts; docs/watchdogs.md). Run by the scheduler processes;
 * any number may run at once: each expired watchdog is claimed by one of them before it is aborted.
 */
import type { Logger } from 'pino';
import { formatTaskspec } from '../../../common/src/domain/taskspec.js';
import { forEachConcurrently } from '../../../common/src/for-each-concurrently.js';
import { groupBy } from '../../../common/src/group-by.js';
import type { Db } from '../db/prisma.js';
import type { SchedulerEvents } from '../events/scheduler-events.js';
import { stop } from '../modules/jobs/job-lifecycle.js';
import {
  claimExpiredWatchdog,
  findExpiredWatchdogs,
  type ExpiredWatchdog,
  type ExpiryClock,
} from './expiry-rule.js';
import { markSwept, startSweep } from './sweep-record.js';

/** Beaker's message; the recipe's tasks get it with their Warn result. */
export const WATCHDOG_EXPIRED_MESSAGE = 'External Watchdog Expired';

export interface WatchdogSweeperOptions {
  db: Db;
  logger: Logger;
  /** Told about systems the aborts released, so the scheduler reuses them at once. */
  events?: SchedulerEvents;
  labOfflineAfterMs: number;
  sweepIntervalMs: number;
  /** Watchdogs read per query; the sweep reads batches until one comes back short. */
  batchSize?: number;
  /** A gap since the last sweep longer than this is an outage (default 3 periods + 10 s). */
  outageAfterMs?: number;
  /** How long a claimed watchdog is held before another sweep may retry a failed abort. */
  retryAfterMs?: number;
}

export interface SweepOutcome {
  /** Recipes this sweeper aborted. */
  aborted: number[];
  /** Expired watchdogs another sweeper (or a harness extension) took first. */
  skipped: number;
  /** Aborts that failed (retried after retryAfterMs) or a sweep that failed as a whole. */
  failed: number;
  /** How far kill times were pushed out for an outage before this sweep, ms. */
  shiftedMs: number;
}

export class WatchdogSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<SweepOutcome> | undefined;
  private stopped = true;
  private readonly batchSize: number;
  private readonly outageAfterMs: number;
  private readonly retryAfterMs: number;

  constructor(private readonly options: WatchdogSweeperOptions) {
    this.batchSize = options.batchSize ?? 500;
    this.outageAfterMs = options.outageAfterMs ?? 3 * options.sweepIntervalMs + 10_000;
    this.retryAfterMs = options.retryAfterMs ?? 60_000;
  }

  /**
   * Sweeps now and then once a period until stop(). The period is from the start of one sweep
   * to the start of the next, so a kill time waits at most one period plus the sweep that finds
   * it; a sweep longer than the period is followed at once by the next.
   */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const tick = () => {
      const startedAt = performance.now();
      this.running = this.sweepOnce().finally(() => {
        this.running = undefined;
        const wait = Math.max(0, this.options.sweepIntervalMs - (performance.now() - startedAt));
        if (!this.stopped) this.timer = setTimeout(tick, wait);
      });
    };
    tick();
  }

  /** Stops the loop; resolves when a sweep in progress has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /**
   * One sweep at `now` (tests pass it; the loop uses the clock). Never throws: failures are
   * logged and counted, and the next sweep tries again.
   */
  async sweepOnce(now?: Date): Promise<SweepOutcome> {
    const clockTime = () => now ?? new Date();
    const outcome: SweepOutcome = { aborted: [], skipped: 0, failed: 0, shiftedMs: 0 };
    const { db, logger } = this.options;
    try {
      const startedAt = clockTime();
      outcome.shiftedMs = await startSweep(db, startedAt, this.outageAfterMs);
      if (outcome.shiftedMs > 0)
        logger.warn(
          { shiftedMs: outcome.shiftedMs },
          'no watchdog sweep ran for a while (outage): every kill time pushed out by the gap',
        );
      const clock: ExpiryClock = { now: startedAt, labOfflineAfterMs: this.options.labOfflineAfterMs };
      let after: ExpiredWatchdog | undefined;
      for (;;) {
        const batch = await findExpiredWatchdogs(db, clock, after, this.batchSize);
        // One job's recipes are aborted in turn: a claimed sibling's kill time is in the future
        // until its abort commits, which would make the expiry rule refuse the next sibling of
        // its set; and the aborts would queue on the job's lock anyway.
        const byJob = [...groupBy(batch, (watchdog) => watchdog.jobId).values()];
        await forEachConcurrently(byJob, ABORTS_IN_FLIGHT, async (ofOneJob) => {
          for (const watchdog of ofOneJob) await this.expire(watchdog, clock, outcome);
        });
        if (batch.length < this.batchSize) break;
        after = batch.at(-1);
        // A long sweep is not an outage: keep the record fresh for the other sweepers.
        await markSwept(db, clockTime());
      }
    } catch (error) {
      outcome.failed++;
      logger.error({ err: error }, 'watchdog sweep failed; the next one retries');
    }
    return outcome;
  }

  private async expire(watchdog: ExpiredWatchdog, clock: ExpiryClock, outcome: SweepOutcome): Promise<void> {
    const { db, logger, events } = this.options;
    const recipe = formatTaskspec('R', watchdog.recipeId);
    try {
      const retryAt = new Date(clock.now.getTime() + this.retryAfterMs);
      if (!(await claimExpiredWatchdog(db, clock, watchdog, retryAt))) {
        outcome.skipped++;
        logger.debug({ recipe }, 'expired watchdog already taken (another sweeper or an extension)');
        return;
      }
      await stop(db, { recipeId: watchdog.recipeId }, 'abort', WATCHDOG_EXPIRED_MESSAGE, {
        now: clock.now,
        events,
      });
      outcome.aborted.push(watchdog.recipeId);
      logger.info({ recipe, killTime: watchdog.killTime.toISOString() }, 'watchdog expired: recipe aborted');
    } catch (error) {
      outcome.failed++;
      logger.error(
        { err: error, recipe, retryAfterMs: this.retryAfterMs },
        'aborting a recipe whose watchdog expired failed; retried later',
      );
    }
  }
}

/**
 * Aborts run this many at a time: each is one transaction of ~25 statements (stop()), mostly
 * round trips, so a burst of expiries (a lab back from an outage) clears several times faster
 * while leaving most of the pool to the API.
 */
const ABORTS_IN_FLIGHT = 4;
