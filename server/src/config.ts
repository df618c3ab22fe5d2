import { Type, type Static } from 'typebox';
import { loadConfig, LogLevel } from '../../common/src/config-validation.js';

/**
 * Server configuration: an optional JSON file (ERLEN_CONFIG_FILE) overlaid by environment
 * variables, validated once at start-up so a typo fails loudly instead of at first use.
 */
export const ServerConfigSchema = Type.Object({
  databaseUrl: Type.String({ minLength: 1 }),
  redisUrl: Type.String({ minLength: 1 }),
  host: Type.String(),
  port: Type.Integer({ minimum: 0, maximum: 65535 }),
  /** Base URL users reach the server at; used in exported XML (log hrefs). */
  publicUrl: Type.String({ pattern: '^https?://' }),
  /** 32 bytes as 64 hex characters; encrypts power passwords at rest. */
  secretKey: Type.String({ pattern: '^[0-9a-fA-F]{64}$' }),
  /** Largest accepted request body (job XML), bytes. */
  bodyLimit: Type.Integer({ minimum: 1024 }),
  /** Prefix of BullMQ queues, so several deployments (or test files) can share one Redis. */
  queuePrefix: Type.String({ minLength: 1 }),
  logLevel: LogLevel,
  sessionHours: Type.Integer({ minimum: 1 }),
  /** A lab controller silent for this long is offline: the scheduler gives its systems no new work. */
  labOfflineAfterSeconds: Type.Integer({ minimum: 1 }),
  /** Results one recipe may hold (Beaker's beaker.max_results_per_recipe); more answer 403. */
  maxResultsPerRecipe: Type.Integer({ minimum: 1 }),
  /** Log files one recipe may hold (its own, its tasks' and results'); more answer 403. */
  maxLogsPerRecipe: Type.Integer({ minimum: 1 }),
  /** Period of the scheduler's repair sweep (what an event missed), milliseconds. */
  schedulerSweepMs: Type.Integer({ minimum: 100 }),
  /** Period of the watchdog sweeper (aborts recipes whose watchdog expired), milliseconds. */
  watchdogSweepMs: Type.Integer({ minimum: 100 }),
});
export type ServerConfig = Static<typeof ServerConfigSchema>;

const envNames: Record<keyof ServerConfig, string> = {
  databaseUrl: 'DATABASE_URL',
  redisUrl: 'REDIS_URL',
  host: 'ERLEN_HOST',
  port: 'ERLEN_PORT',
  publicUrl: 'ERLEN_PUBLIC_URL',
  secretKey: 'ERLEN_SECRET_KEY',
  bodyLimit: 'ERLEN_BODY_LIMIT',
  queuePrefix: 'ERLEN_QUEUE_PREFIX',
  logLevel: 'ERLEN_LOG_LEVEL',
  sessionHours: 'ERLEN_SESSION_HOURS',
  labOfflineAfterSeconds: 'ERLEN_LAB_OFFLINE_AFTER_SECONDS',
  maxResultsPerRecipe: 'ERLEN_MAX_RESULTS_PER_RECIPE',
  maxLogsPerRecipe: 'ERLEN_MAX_LOGS_PER_RECIPE',
  schedulerSweepMs: 'ERLEN_SCHEDULER_SWEEP_MS',
  watchdogSweepMs: 'ERLEN_WATCHDOG_SWEEP_MS',
};

const defaults: Partial<ServerConfig> = {
  redisUrl: 'redis://127.0.0.1:6379',
  host: '127.0.0.1',
  port: 8080,
  bodyLimit: 2 * 1024 * 1024,
  queuePrefix: 'erlen',
  logLevel: 'info',
  sessionHours: 12,
  labOfflineAfterSeconds: 60,
  maxResultsPerRecipe: 7500,
  maxLogsPerRecipe: 7500,
  schedulerSweepMs: 5000,
  watchdogSweepMs: 1000,
};

export function loadServerConfig(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<ServerConfig> = {},
): ServerConfig {
  return loadConfig({
    schema: ServerConfigSchema,
    envNames,
    defaults,
    env,
    file: env.ERLEN_CONFIG_FILE,
    overrides,
    complete(merged) {
      merged.publicUrl ??= `http://${merged.host === '0.0.0.0' ? '127.0.0.1' : merged.host}:${merged.port}/`;
    },
  });
}
