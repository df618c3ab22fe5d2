import type { Logger } from 'pino';
import { loadServerConfig, type ServerConfig } from './config.js';
import { applyMigrations } from './db/migrate.js';
import { defaultMigrationsDir } from './db/repo-paths.js';
import { createLogger } from './logger.js';

/**
 * What every central process does first: validated configuration, a structured logger, a
 * crash on an uncaught exception (systemd restarts it), and the database migrated (runs
 * take an advisory lock, so the server and schedulers may start together).
 */
export async function startProcess(name: string): Promise<{ config: ServerConfig; logger: Logger }> {
  const config = loadServerConfig();
  const logger = createLogger(config.logLevel, name);
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception');
    process.exit(1);
  });
  await applyMigrations({
    connectionString: config.databaseUrl,
    migrationsDir: defaultMigrationsDir(),
    logger,
  });
  return { config, logger };
}
