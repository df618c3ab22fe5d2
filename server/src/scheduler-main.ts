/**
 * `erlen-scheduler`: the scheduler process. Reads the same configuration as the server,
 * builds its index from PostgreSQL, consumes wake-up events from BullMQ and sweeps
 * periodically; beside it, the watchdog sweeper aborts recipes whose watchdog expired.
 * Any number may run (see scheduler/scheduler.ts, watchdog/watchdog-sweeper.ts); one is enough.
 */
import { hostname } from 'node:os';
import { createPrisma } from './db/prisma.js';
import { bullmqSchedulerEvents, consumeSchedulerEvents } from './events/scheduler-events.js';
import { startProcess } from './process-start.js';
import { Scheduler } from './scheduler/scheduler.js';
import { WatchdogSweeper } from './watchdog/watchdog-sweeper.js';

async function main(): Promise<void> {
  const { config, logger: processLogger } = await startProcess('erlen-scheduler');
  const actor = process.env.ERLEN_SCHEDULER_NAME || `${hostname()}:${process.pid}`;
  const logger = processLogger.child({ scheduler: actor });
  const db = createPrisma(config.databaseUrl);
  const events = bullmqSchedulerEvents(config.redisUrl, config.queuePrefix, logger);
  const scheduler = new Scheduler({
    db,
    logger,
    actor,
    events,
    labOfflineAfterMs: config.labOfflineAfterSeconds * 1000,
    sweepIntervalMs: config.schedulerSweepMs,
  });
  const started = performance.now();
  // Consume from the start: events that arrive while the index loads are kept for the first pass.
  const consumer = consumeSchedulerEvents(
    config.redisUrl,
    config.queuePrefix,
    (event) => scheduler.notify(event),
    logger,
  );
  await scheduler.start();
  const watchdogs = new WatchdogSweeper({
    db,
    logger: logger.child({ component: 'watchdog' }),
    events,
    labOfflineAfterMs: config.labOfflineAfterSeconds * 1000,
    sweepIntervalMs: config.watchdogSweepMs,
  });
  watchdogs.start();
  logger.info(
    {
      systems: scheduler.index.size,
      queuedSets: scheduler.queuedSets,
      ms: Math.round(performance.now() - started),
    },
    'scheduler ready',
  );
  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    await consumer.close();
    await watchdogs.stop();
    await scheduler.stop();
    await events.close();
    await db.$disconnect();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(`erlen-scheduler: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
