// Jest globalSetup: builds the migrated template database that createTestDatabase() copies.
import Module from 'node:module';

type ResolveFilename = (request: string, ...rest: unknown[]) => string;
const loader = Module as unknown as { _resolveFilename: ResolveFilename };

/**
 * Jest require()s globalSetup through its transformer but without moduleNameMapper, so the
 * NodeNext-style `./x.js` specifiers in our sources would not find the `.ts` files. While setup
 * loads its modules, retry such a specifier as `.ts`, as jest.config.js does for test files.
 */
async function withTsSourceResolution<T>(load: () => Promise<T>): Promise<T> {
  const resolve = loader._resolveFilename;
  loader._resolveFilename = function (this: unknown, request, ...rest) {
    try {
      return resolve.call(this, request, ...rest);
    } catch (error) {
      if (!/^\.{1,2}\/.*\.js$/.test(request)) throw error;
      return resolve.call(this, request.replace(/\.js$/, '.ts'), ...rest);
    }
  };
  try {
    return await load();
  } finally {
    loader._resolveFilename = resolve;
  }
}

export default async function globalSetup(): Promise<void> {
  const [{ applyMigrations }, { defaultMigrationsDir }, db] = await withTsSourceResolution(() =>
    Promise.all([
      import('../../server/src/db/migrate.js'),
      import('../../server/src/db/repo-paths.js'),
      import('./db.js'),
    ]),
  );
  const { TEMPLATE_DATABASE, TEST_DATABASE_PREFIX, quoteIdentifier, testDatabaseUrl, withAdminClient } = db;

  await withAdminClient(async (client) => {
    // Databases left behind by interrupted runs of this namespace. Concurrent runs on one server
    // need different ERLEN_TEST_NAMESPACE values (test/support/db.ts).
    const { rows } = await client.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE starts_with(datname, $1)',
      [TEST_DATABASE_PREFIX],
    );
    for (const { datname } of rows) {
      await client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(datname)} WITH (FORCE)`);
    }
    await client.query(`CREATE DATABASE ${quoteIdentifier(TEMPLATE_DATABASE)}`);
  });
  // applyMigrations closes its connection when done: CREATE DATABASE ... TEMPLATE refuses to copy
  // a database that anyone is connected to.
  await applyMigrations({
    connectionString: testDatabaseUrl(TEMPLATE_DATABASE),
    migrationsDir: defaultMigrationsDir(),
  });
}
