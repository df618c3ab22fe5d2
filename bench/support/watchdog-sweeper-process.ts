/**
 * The watchdog sweeper as `npm run bench -- labcontroller` runs it: a child process (forked by
 * watchdog-sweeper-child.ts) wired as server/src/scheduler-main.ts wires it — its own Prisma
 * client with the default pool, BullMQ events to the server's queue, the real WatchdogSweeper
 * at the period it is given — without the scheduler beside it. Its log lines are read (not
 * printed): "watchdog expired: recipe aborted", which the sweeper writes right after an abort
 * commits, becomes an `aborted` event; warnings go to the parent. Each sweep is timed by
 * wrapping sweepOnce (the loop calls it through the instance), without changing what it does.
 */
import { pino } from 'pino';
import { createPrisma } from '../../server/src/db/prisma.js';
import { bullmqSchedulerEvents } from '../../server/src/events/scheduler-events.js';
import { WatchdogSweeper } from '../../server/src/watchdog/watchdog-sweeper.js';
import { serveParent, wallClock } from './child.js';
import type { SweeperEvent, SweeperInit } from './watchdog-sweeper-child.js';

const ABORTED = 'watchdog expired: recipe aborted';

async function main(): Promise<void> {
  const init = JSON.parse(process.env.ERLEN_BENCH_CHILD_INIT ?? '{}') as SweeperInit;
  const send = (event: SweeperEvent) => process.send?.(event);
  const logger = pino(
    { level: 'info' },
    {
      write(line: string) {
        const at = wallClock();
        const entry = JSON.parse(line) as { msg?: string; recipe?: string; level?: number };
        if (entry.msg === ABORTED && entry.recipe)
          send({ type: 'aborted', recipeId: Number(entry.recipe.replace(/^R:/, '')), at });
        else if ((entry.level ?? 0) >= 40) send({ type: 'warning', line: line.trim().slice(0, 1000) });
      },
    },
  );
  const db = createPrisma(init.databaseUrl);
  const events = bullmqSchedulerEvents(init.redisUrl, init.queuePrefix, logger);
  const sweeper = new WatchdogSweeper({
    db,
    logger,
    events,
    labOfflineAfterMs: init.labOfflineAfterMs,
    sweepIntervalMs: init.sweepIntervalMs,
  });
  const sweepOnce = sweeper.sweepOnce.bind(sweeper);
  sweeper.sweepOnce = async (now?: Date) => {
    const start = wallClock();
    const outcome = await sweepOnce(now);
    send({
      type: 'sweep',
      start,
      end: wallClock(),
      aborted: outcome.aborted.length,
      skipped: outcome.skipped,
      failed: outcome.failed,
    });
    return outcome;
  };
  serveParent({
    start: async () => sweeper.start(),
    close: async () => {
      await sweeper.stop();
      await events.close();
      await db.$disconnect();
    },
  });
  send({ type: 'ready' });
}

main().catch((error: unknown) => {
  console.error(
    `bench watchdog sweeper: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  process.exit(1);
});
