import { readFileSync } from 'node:fs';
import { Type, type Static, type TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { ErlenError } from '../../common/src/errors.js';

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
  logLevel: Type.Union([
    Type.Literal('fatal'),
    Type.Literal('error'),
    Type.Literal('warn'),
    Type.Literal('info'),
    Type.Literal('debug'),
    Type.Literal('trace'),
    Type.Literal('silent'),
  ]),
  sessionHours: Type.Integer({ minimum: 1 }),
  /** A lab controller silent for this long is offline: the scheduler gives its systems no new work. */
  labOfflineAfterSeconds: Type.Integer({ minimum: 1 }),
  /** Period of the scheduler's repair sweep (what an event missed), milliseconds. */
  schedulerSweepMs: Type.Integer({ minimum: 100 }),
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
  schedulerSweepMs: 'ERLEN_SCHEDULER_SWEEP_MS',
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
  schedulerSweepMs: 5000,
};

export function loadServerConfig(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<ServerConfig> = {},
) {
  const fromFile = env.ERLEN_CONFIG_FILE ? readConfigFile(env.ERLEN_CONFIG_FILE) : {};
  const fromEnv: Record<string, unknown> = {};
  for (const [key, name] of Object.entries(envNames)) {
    const value = env[name];
    if (value !== undefined && value !== '')
      fromEnv[key] = /^(port|bodyLimit|sessionHours|labOfflineAfterSeconds|schedulerSweepMs)$/.test(key)
        ? Number(value)
        : value;
  }
  const merged: Record<string, unknown> = { ...defaults, ...fromFile, ...fromEnv, ...overrides };
  merged.publicUrl ??= `http://${merged.host === '0.0.0.0' ? '127.0.0.1' : merged.host}:${merged.port}/`;
  return validateConfig(ServerConfigSchema, merged, envNames);
}

export function readConfigFile(path: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new ErlenError('CONFIG_INVALID', `cannot read config file ${path}: ${(error as Error).message}`);
  }
}

export function validateConfig<T extends TSchema>(
  schema: T,
  value: Record<string, unknown>,
  names: Record<string, string>,
): Static<T> {
  if (Value.Check(schema, value)) return value as Static<T>;
  const problems = [...Value.Errors(schema, value)].map((error) => {
    const key =
      error.instancePath.replace(/^\//, '') ||
      String((error.params as { requiredProperties?: string[] })?.requiredProperties?.[0] ?? '');
    const name = names[key] ? `${key} (${names[key]})` : key;
    return `${name}: ${error.message}`;
  });
  throw new ErlenError('CONFIG_INVALID', `invalid configuration: ${problems.join('; ')}`);
}
