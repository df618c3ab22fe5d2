// Per-test-file databases and Redis prefixes, so test files can run in parallel workers.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * Test runs sharing one PostgreSQL keep apart by namespace (ERLEN_TEST_NAMESPACE, default
 * "run"): global setup drops only its own namespace's databases, so two concurrent runs with
 * different namespaces (two checkouts, or helpers) do not destroy each other's databases.
 */
const NAMESPACE =
  (process.env.ERLEN_TEST_NAMESPACE ?? 'run').replace(/[^a-z0-9]/gi, '').toLowerCase() || 'run';

/** Every database the test suite creates starts with this, so leftovers are easy to find. */
export const TEST_DATABASE_PREFIX = `erlen_test_${NAMESPACE}_`;

/** Database that global-setup migrates once per run; test databases are copied from it. */
export const TEMPLATE_DATABASE = `${TEST_DATABASE_PREFIX}template`;

/** URL of `database` on the test server (ERLEN_TEST_PG, which names no database itself). */
export function testDatabaseUrl(database: string): string {
  const url = new URL(process.env.ERLEN_TEST_PG ?? 'postgresql://postgres@127.0.0.1:5432');
  url.pathname = `/${database}`;
  return url.toString();
}

/** Runs statements on the server's maintenance database, where CREATE/DROP DATABASE can run. */
export async function withAdminClient<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: testDatabaseUrl('postgres') });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export const quoteIdentifier = (name: string) => `"${name.replaceAll('"', '""')}"`;

function uniqueSuffix(): string {
  return `${process.env.JEST_WORKER_ID ?? '0'}_${randomBytes(4).toString('hex')}`;
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/**
 * A fresh database for one test file: a copy of the migrated template (fast: a file copy, no
 * migrations), or with `{ empty: true }` a database with no schema at all.
 */
export async function createTestDatabase(options: { empty?: boolean } = {}): Promise<TestDatabase> {
  const name = `${TEST_DATABASE_PREFIX}${uniqueSuffix()}`;
  const template = options.empty ? 'template0' : TEMPLATE_DATABASE;
  await withAdminClient((client) =>
    client.query(`CREATE DATABASE ${quoteIdentifier(name)} TEMPLATE ${quoteIdentifier(template)}`),
  );
  return {
    name,
    url: testDatabaseUrl(name),
    // FORCE disconnects clients a test forgot to close, which would otherwise block the drop.
    drop: () =>
      withAdminClient((client) =>
        client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`),
      ).then(() => undefined),
  };
}

/** A BullMQ key prefix of its own for one test file, so queues in parallel files never meet. */
export function redisTestPrefix(): string {
  return `erlen-test:${uniqueSuffix()}`;
}
