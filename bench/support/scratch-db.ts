import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { applyMigrations } from '../../server/src/db/migrate.js';
import { defaultMigrationsDir } from '../../server/src/db/repo-paths.js';
import { log } from './benchmark.js';
import { onInterrupt } from './cleanup.js';

/** Every database a benchmark creates starts with this, so leftovers are easy to spot and drop. */
export const SCRATCH_PREFIX = 'erlen_bench_';

/** URL of `database` on the benchmark server (ERLEN_BENCH_PG names the server, not a database). */
function databaseUrl(database: string): string {
  const url = new URL(process.env.ERLEN_BENCH_PG ?? 'postgresql://postgres@127.0.0.1:5432');
  url.pathname = `/${database}`;
  return url.toString();
}

// CREATE/DROP DATABASE cannot run inside the target database, so they go through `postgres`.
async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl('postgres') });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * Runs `work` against a freshly created and migrated database and drops it afterwards, whether
 * `work` succeeds, throws, or the run is interrupted with Ctrl-C or SIGTERM.
 */
export async function withScratchDatabase<T>(work: (url: string) => Promise<T>): Promise<T> {
  const name = `${SCRATCH_PREFIX}${randomBytes(4).toString('hex')}`;
  // FORCE: the server's pool may still hold connections if `work` failed half-way.
  const drop = () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  const forget = onInterrupt(`dropping ${name}`, drop);
  try {
    await admin(`CREATE DATABASE "${name}"`);
    log(`created scratch database ${name}`);
    const url = databaseUrl(name);
    await applyMigrations({ connectionString: url, migrationsDir: defaultMigrationsDir() });
    return await work(url);
  } finally {
    forget();
    await drop();
    log(`dropped scratch database ${name}`);
  }
}
