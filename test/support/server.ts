// Builds the real Fastify app on a fresh per-file database and a per-file Redis queue prefix.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { buildApp } from '../../server/src/app.js';
import { loadServerConfig, type ServerConfig } from '../../server/src/config.js';
import { createPrisma, type Db } from '../../server/src/db/prisma.js';
import { bullmqSchedulerEvents, type SchedulerEvents } from '../../server/src/events/scheduler-events.js';
import { createUser, issueApiToken } from '../../server/src/modules/accounts/accounts.service.js';
import { createTestDatabase, type TestDatabase } from './db.js';

export interface TestServer {
  app: FastifyInstance;
  db: Db;
  config: ServerConfig;
  adminToken: string;
  /** Creates a user (optionally admin) and returns an API token for it. */
  user(username: string, options?: { admin?: boolean; password?: string }): Promise<string>;
  close(): Promise<void>;
}

export async function startTestServer(overrides: Partial<ServerConfig> = {}): Promise<TestServer> {
  const database: TestDatabase = await createTestDatabase();
  const config = loadServerConfig(
    {},
    {
      databaseUrl: database.url,
      redisUrl: process.env.ERLEN_TEST_REDIS ?? 'redis://127.0.0.1:6379',
      secretKey: randomBytes(32).toString('hex'),
      queuePrefix: `erlen-test-${randomBytes(4).toString('hex')}`,
      logLevel: 'silent',
      publicUrl: 'http://erlen.test/',
      ...overrides,
    },
  );
  const logger = pino({ level: 'silent' });
  const db = createPrisma(config.databaseUrl, 4);
  const events: SchedulerEvents = bullmqSchedulerEvents(config.redisUrl, config.queuePrefix, logger);
  const app = await buildApp({ config, db, events, logger });
  const user = async (username: string, options: { admin?: boolean; password?: string } = {}) => {
    const created = await createUser(db, { username, email: `${username}@example.com`, ...options });
    return (await issueApiToken(db, created.id, 'test')).token;
  };
  const adminToken = await user('admin', { admin: true });
  return {
    app,
    db,
    config,
    adminToken,
    user,
    async close() {
      await app.close();
      await events.close();
      await db.$disconnect();
      await database.drop();
    },
  };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
