import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { SCHEDULER_QUEUE } from '../../server/src/events/scheduler-events.js';

// Fail fast instead of retrying forever: a benchmark should stop, not hang, when Redis is away.
function connection(redisUrl: string) {
  const url = new URL(redisUrl);
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    db: Number(url.pathname.slice(1) || 0),
    connectTimeout: 2000,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  };
}

/**
 * Checked before the server starts: with Redis unreachable, the server's publication of
 * `recipes-queued` waits for a connection indefinitely and every submission would hang.
 */
export async function assertRedisReachable(redisUrl: string): Promise<void> {
  const redis = new Redis({ ...connection(redisUrl), lazyConnect: true });
  // connect() rejects only with "Connection is closed."; the socket's own error says why.
  let socketError: Error | undefined;
  redis.on('error', (error: Error) => (socketError ??= error));
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    const reason = (socketError ?? (error as Error)).message;
    throw new Error(`Redis at ${redisUrl} is not reachable (${reason}); start it or set ERLEN_BENCH_REDIS`, {
      cause: error,
    });
  } finally {
    redis.disconnect();
  }
}

/** Nothing consumes the benchmark's events; remove them so Redis is left as it was found. */
export async function dropSchedulerQueue(redisUrl: string, prefix: string): Promise<void> {
  const queue = new Queue(SCHEDULER_QUEUE, { prefix, connection: connection(redisUrl) });
  queue.on('error', () => undefined); // obliterate() rejects with the same error
  try {
    await queue.obliterate({ force: true });
  } finally {
    await queue.close();
  }
}
