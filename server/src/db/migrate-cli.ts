// Entry point for `npm run db:migrate`: applies prisma/migrations to DATABASE_URL.
import { pino } from 'pino';
import { applyMigrations } from './migrate.js';
import { defaultMigrationsDir } from './repo-paths.js';

async function main(): Promise<void> {
  const connectionString = process.env.DATABASE_URL;
  if (!connectionString) throw new Error('DATABASE_URL is not set');
  const logger = pino({ name: 'db:migrate' });
  const applied = await applyMigrations({ connectionString, migrationsDir: defaultMigrationsDir(), logger });
  logger.info(
    { applied },
    applied.length ? `applied ${applied.length} migration(s)` : 'database is up to date',
  );
}

main().catch((error: unknown) => {
  console.error(`db:migrate: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
