import { Queue } from 'bullmq';
import type { FastifyBaseLogger } from 'fastify';

/**
 * Wake-up calls for the scheduler. PostgreSQL stays the source of truth: an event that is
 * lost (Redis down) only delays work until the scheduler's periodic sweep finds it.
 */
export interface SchedulerEvents {
  recipesQueued(recipeIds: number[]): Promise<void>;
  close(): Promise<void>;
}

export const SCHEDULER_QUEUE = 'scheduler-events';
const PUBLISH_TIMEOUT_MS = 1000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from Redis within ${ms} ms`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

export function bullmqSchedulerEvents(
  redisUrl: string,
  prefix: string,
  log: FastifyBaseLogger,
): SchedulerEvents {
  const url = new URL(redisUrl);
  const queue = new Queue(SCHEDULER_QUEUE, {
    prefix,
    connection: {
      host: url.hostname,
      port: Number(url.port || 6379),
      db: Number(url.pathname.slice(1) || 0),
      // Producers fail fast rather than queueing commands while Redis is away (BullMQ's advice).
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
    },
    defaultJobOptions: { removeOnComplete: 1000, removeOnFail: 1000 },
  });
  queue.on('error', (error) => log.warn({ err: error }, 'scheduler event queue error'));
  return {
    async recipesQueued(recipeIds) {
      // BullMQ waits for a connection even with the offline queue off; a submission must not.
      const added = queue.add('recipes-queued', { recipeIds });
      added.catch(() => {}); // a failure after the time limit has already been logged below
      try {
        await withTimeout(added, PUBLISH_TIMEOUT_MS);
      } catch (error) {
        log.warn(
          { err: error, recipeIds },
          'could not publish recipes-queued; the scheduler sweep will pick them up',
        );
      }
    },
    close: () => queue.close(),
  };
}

/** For tools that submit without a scheduler running (and as an explicit no-op). */
export const noSchedulerEvents: SchedulerEvents = { recipesQueued: async () => {}, close: async () => {} };
