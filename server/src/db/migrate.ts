import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { InfoLogger } from './logger.js';
import { readMigrationFiles, type MigrationFile } from './migration-files.js';

/**
 * The advisory lock key Prisma Migrate itself takes, so our runner and any Prisma tooling
 * pointed at the same database also exclude each other.
 */
export const MIGRATION_LOCK_KEY = 72707369;

// Prisma's own DDL for its history table, so `prisma migrate status` and friends can read ours.
const CREATE_HISTORY_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export interface ApplyMigrationsOptions {
  connectionString: string;
  migrationsDir: string;
  logger?: InfoLogger;
}

interface HistoryRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

/** The database's migration history contradicts the files on disk; applying anything would be unsafe. */
export class MigrationHistoryError extends Error {
  override name = 'MigrationHistoryError';
}

/**
 * Applies every migration under `migrationsDir` not yet recorded in `_prisma_migrations`, in name
 * order, each in its own transaction together with its history row. Returns the names applied.
 */
export async function applyMigrations(options: ApplyMigrationsOptions): Promise<string[]> {
  const { connectionString, migrationsDir, logger } = options;
  const files = readMigrationFiles(migrationsDir);
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    // Session-level lock, held across the per-migration transactions below. Ending the session
    // releases it, on success, on error, or if this process dies, so there is no explicit unlock.
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(CREATE_HISTORY_TABLE);
    // Read the history only after taking the lock, so a run that waited sees what the winner applied.
    const history = await readHistory(client);
    const pending = pendingMigrations(files, history, logger);
    for (const migration of pending) await applyOne(client, migration, logger);
    return pending.map((migration) => migration.name);
  } finally {
    await client.end();
  }
}

async function readHistory(client: pg.Client): Promise<HistoryRow[]> {
  const { rows } = await client.query<HistoryRow>(
    'SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at',
  );
  return rows;
}

function pendingMigrations(
  files: MigrationFile[],
  history: HistoryRow[],
  logger?: InfoLogger,
): MigrationFile[] {
  // Rows marked rolled back (`prisma migrate resolve --rolled-back`) no longer count as applied.
  const live = history.filter((row) => row.rolled_back_at === null);

  const failed = live.find((row) => row.finished_at === null);
  if (failed) {
    throw new MigrationHistoryError(
      `migration "${failed.migration_name}" is recorded as started but never finished in _prisma_migrations; ` +
        'inspect the database, then mark it rolled back or applied before migrating again',
    );
  }

  const applied = new Map(live.map((row) => [row.migration_name, row.checksum]));
  const byName = new Map(files.map((file) => [file.name, file]));
  for (const [name, recordedChecksum] of applied) {
    const file = byName.get(name);
    if (!file) {
      logger?.info({ migration: name }, 'migration recorded in the database has no directory on disk');
      continue;
    }
    if (recordedChecksum !== file.checksum && recordedChecksum !== file.lfChecksum) {
      throw new MigrationHistoryError(
        `migration "${name}" was already applied but its migration.sql has changed since ` +
          `(checksum in database ${recordedChecksum}, on disk ${file.checksum}); ` +
          'restore the original file and put the change in a new migration',
      );
    }
  }
  return files.filter((file) => !applied.has(file.name));
}

async function applyOne(client: pg.Client, migration: MigrationFile, logger?: InfoLogger): Promise<void> {
  const startedAt = Date.now();
  logger?.info({ migration: migration.name }, 'applying migration');
  await client.query('BEGIN');
  try {
    const id = randomUUID();
    await client.query(
      'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, applied_steps_count) VALUES ($1, $2, $3, 0)',
      [id, migration.checksum, migration.name],
    );
    // No parameters, so pg uses the simple query protocol, which accepts a multi-statement script.
    await client.query(migration.sql);
    await client.query(
      'UPDATE "_prisma_migrations" SET finished_at = clock_timestamp(), applied_steps_count = 1 WHERE id = $1',
      [id],
    );
    await client.query('COMMIT');
  } catch (error) {
    // If the connection itself broke, ROLLBACK fails too; the migration's own error says more.
    await client.query('ROLLBACK').catch(() => undefined);
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`migration "${migration.name}" failed and was rolled back: ${reason}`, { cause: error });
  }
  logger?.info({ migration: migration.name, durationMs: Date.now() - startedAt }, 'applied migration');
}
