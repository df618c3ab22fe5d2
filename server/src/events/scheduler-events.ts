import { Queue, Worker } from 'bullmq';
import type { FastifyBaseLogger } from 'fastify';

/**
 * Wake-up calls for the scheduler. PostgreSQL stays the source of truth: an event that is
 * lost (Redis down) only delays work until the scheduler's periodic sweep finds it.
 */
export interface SchedulerEvents {
  /** Recipes were submitted, or their sets changed (priority): (re)read and place them. */
  recipesQueued(recipeIds: number[]): Promise<void>;
  /** Systems were edited (status, loan, pools, policy, lab): re-read them. */
  systemsChanged(systemIds: number[]): Promise<void>;
  /**
   * Finished recipe sets released these systems (committed). The scheduler takes them as
   * free without a read: a stale event only costs a commit conflict, which re-reads.
   */
  systemsReleased(systemIds: number[]): Promise<void>;
  /** Labs, distro trees, groups or policies changed: re-read those tables. */
  inventoryChanged(): Promise<void>;
  close(): Promise<void>;
}

export type SchedulerEvent =
  | { type: 'recipes-queued'; recipeIds: number[] }
  | { type: 'systems-changed'; systemIds: number[] }
  | { type: 'systems-released'; systemIds: number[] }
  | { type: 'inventory-changed' };

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
  const queue = new Queue(SCHEDULER_QUEUE, {
    prefix,
    connection: {
      ...redisConnection(redisUrl),
      // Producers fail fast rather than queueing commands while Redis is away (BullMQ's advice).
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
    },
    defaultJobOptions: { removeOnComplete: 1000, removeOnFail: 1000 },
  });
  queue.on('error', (error) => log.warn({ err: error }, 'scheduler event queue error'));
  const publish = async (event: SchedulerEvent) => {
    // BullMQ waits for a connection even with the offline queue off; a request must not.
    const added = queue.add(event.type, event);
    added.catch(() => {}); // a failure after the time limit has already been logged below
    try {
      await withTimeout(added, PUBLISH_TIMEOUT_MS);
    } catch (error) {
      log.warn({ err: error, event }, `could not publish ${event.type}; the scheduler sweep will pick it up`);
    }
  };
  return {
    recipesQueued: (recipeIds) => publish({ type: 'recipes-queued', recipeIds }),
    systemsChanged: (systemIds) => publish({ type: 'systems-changed', systemIds }),
    systemsReleased: (systemIds) => publish({ type: 'systems-released', systemIds }),
    inventoryChanged: () => publish({ type: 'inventory-changed' }),
    close: () => queue.close(),
  };
}

export function redisConnection(redisUrl: string) {
  const url = new URL(redisUrl);
  return { host: url.hostname, port: Number(url.port || 6379), db: Number(url.pathname.slice(1) || 0) };
}

/**
 * The scheduler's side: every event is handed to `handle` (which only records it and wakes
 * the scheduler, so a job completes at once). Delivery is at least once and reaches one
 * scheduler process; others catch up by their sweep or a commit conflict.
 */
export function consumeSchedulerEvents(
  redisUrl: string,
  prefix: string,
  handle: (event: SchedulerEvent) => void,
  log: FastifyBaseLogger,
): Worker {
  const worker = new Worker(
    SCHEDULER_QUEUE,
    async (job) => {
      handle(job.data as SchedulerEvent);
    },
    { prefix, connection: { ...redisConnection(redisUrl), maxRetriesPerRequest: null }, concurrency: 1 },
  );
  worker.on('error', (error) => log.warn({ err: error }, 'scheduler event consumer error'));
  return worker;
}

/** For tools that change things without a scheduler running (and as an explicit no-op). */
export const noSchedulerEvents: SchedulerEvents = {
  recipesQueued: async () => {},
  systemsChanged: async () => {},
  systemsReleased: async () => {},
  inventoryChanged: async () => {},
  close: async () => {},
};
