import { closeSchemaValidator, warmSchemaValidator } from '../../common/src/job-xml/index.js';
import { buildApp } from './app.js';
import { createPrisma } from './db/prisma.js';
import { bullmqSchedulerEvents } from './events/scheduler-events.js';
import { startProcess } from './process-start.js';

async function main(): Promise<void> {
  const { config, logger } = await startProcess('erlen-server');
  const db = createPrisma(config.databaseUrl);
  const events = bullmqSchedulerEvents(config.redisUrl, config.queuePrefix, logger);
  // Compiling the RELAX NG validator takes ~100 ms; pay it at start, not on the first submission.
  await warmSchemaValidator();
  const app = await buildApp({ config, db, events, logger });
  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    await app.close();
    await events.close();
    await closeSchemaValidator();
    await db.$disconnect();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  await app.listen({ host: config.host, port: config.port });
}

main().catch((error: unknown) => {
  console.error(`erlen-server: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
