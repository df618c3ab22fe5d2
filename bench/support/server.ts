import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { closeSchemaValidator, warmSchemaValidator } from '../../common/src/job-xml/index.js';
import { buildApp } from '../../server/src/app.js';
import { loadServerConfig, type ServerConfig } from '../../server/src/config.js';
import { createPrisma, type Db } from '../../server/src/db/prisma.js';
import { bullmqSchedulerEvents } from '../../server/src/events/scheduler-events.js';
import { createLogger } from '../../server/src/logger.js';
import { createUser, issueApiToken } from '../../server/src/modules/accounts/accounts.service.js';
import { bounded, onInterrupt } from './cleanup.js';
import { assertRedisReachable, dropSchedulerQueue } from './redis.js';

export interface BenchServer {
  /** `http://127.0.0.1:<port>/` of the listening server. */
  baseUrl: string;
  app: FastifyInstance;
  db: Db;
  /** As the server runs with it (defaults of server/src/config.ts plus the benchmark's own). */
  config: ServerConfig;
  adminToken: string;
  /** An ordinary (non-admin) user's API token: submissions are measured as a normal user. */
  userToken: string;
  close(): Promise<void>;
}

/**
 * The real server, wired as server/src/main.ts wires it (default Prisma pool, BullMQ events,
 * warmed RELAX NG validator), listening on an ephemeral port of 127.0.0.1. Only the logger
 * differs: silent, so the benchmark measures the server and not pino writing to a terminal.
 */
export async function startBenchServer(databaseUrl: string): Promise<BenchServer> {
  const config = loadServerConfig(
    {},
    {
      databaseUrl,
      redisUrl: process.env.ERLEN_BENCH_REDIS ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      secretKey: randomBytes(32).toString('hex'),
      // A prefix of its own, so the benchmark's events never reach a real scheduler.
      queuePrefix: `erlen-bench-${randomBytes(4).toString('hex')}`,
      host: '127.0.0.1',
      port: 0,
      publicUrl: 'http://erlen.bench/',
      logLevel: 'silent',
    },
  );
  await assertRedisReachable(config.redisUrl);
  const logger = createLogger(config.logLevel, 'erlen-bench');
  const db = createPrisma(config.databaseUrl);
  const events = bullmqSchedulerEvents(config.redisUrl, config.queuePrefix, logger);
  const forget = onInterrupt(`removing queue prefix ${config.queuePrefix}`, () =>
    dropSchedulerQueue(config.redisUrl, config.queuePrefix),
  );
  let app: FastifyInstance | undefined;
  const close = async () => {
    forget();
    await app?.close();
    await bounded('closing the event queue', events.close());
    await bounded(
      `removing queue prefix ${config.queuePrefix}`,
      dropSchedulerQueue(config.redisUrl, config.queuePrefix),
    );
    await closeSchemaValidator();
    await db.$disconnect();
  };
  try {
    await warmSchemaValidator();
    app = await buildApp({ config, db, events, logger });
    await app.listen({ host: config.host, port: config.port });
    const { port } = app.server.address() as AddressInfo;
    const token = async (username: string, admin: boolean) => {
      const user = await createUser(db, { username, email: `${username}@bench.test`, admin });
      return (await issueApiToken(db, user.id, 'bench')).token;
    };
    return {
      baseUrl: `http://127.0.0.1:${port}/`,
      app,
      db,
      config,
      adminToken: await token('bench-admin', true),
      userToken: await token('bench-user', false),
      close,
    };
  } catch (error) {
    // The caller never gets a handle to close, so release what was opened before rethrowing.
    await close().catch(() => undefined);
    throw error;
  }
}
