import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { MIGRATION_LOCK_KEY, MigrationHistoryError, applyMigrations } from '../../server/src/db/migrate.js';
import { defaultMigrationsDir, findRepoRoot, repoRoot } from '../../server/src/db/repo-paths.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const CREATE_SYSTEM = '20250101000000_create_system';
const ADD_MEMORY = '20250102000000_add_memory';
const ADD_ARCH = '20250103000000_add_arch';

const FIXTURE_SQL: Record<string, string> = {
  [CREATE_SYSTEM]: 'CREATE TABLE "system" ("id" SERIAL PRIMARY KEY, "fqdn" TEXT NOT NULL);\n',
  [ADD_MEMORY]: 'ALTER TABLE "system" ADD COLUMN "memory" INTEGER;\n',
  [ADD_ARCH]:
    'CREATE TABLE "arch" ("id" SERIAL PRIMARY KEY);\nALTER TABLE "system" ADD COLUMN "arch_id" INTEGER;\n',
};

let migrationsDir: string;
let db: TestDatabase;

function writeMigration(name: string, sql = FIXTURE_SQL[name] ?? ''): void {
  mkdirSync(join(migrationsDir, name), { recursive: true });
  writeFileSync(join(migrationsDir, name, 'migration.sql'), sql);
}

async function query<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

async function appliedNames(): Promise<string[]> {
  const rows = await query<{ migration_name: string }>(
    'SELECT migration_name FROM "_prisma_migrations" ORDER BY started_at, migration_name',
  );
  return rows.map((row) => row.migration_name);
}

async function tableExists(table: string): Promise<boolean> {
  const rows = await query<{ exists: boolean }>('SELECT to_regclass($1) IS NOT NULL AS exists', [table]);
  return rows[0]?.exists ?? false;
}

const migrate = () => applyMigrations({ connectionString: db.url, migrationsDir });

beforeEach(async () => {
  migrationsDir = mkdtempSync(join(tmpdir(), 'erlen-migrations-'));
  db = await createTestDatabase({ empty: true });
});

afterEach(async () => {
  await db.drop();
  rmSync(migrationsDir, { recursive: true, force: true });
});

describe('applyMigrations', () => {
  it('applies migrations in name order and records them the way Prisma Migrate does', async () => {
    // Written newest first: the order must come from the names, not from the directory listing.
    writeMigration(ADD_MEMORY);
    writeMigration(CREATE_SYSTEM);

    expect(await migrate()).toEqual([CREATE_SYSTEM, ADD_MEMORY]);

    const rows = await query<Record<string, unknown>>(
      'SELECT * FROM "_prisma_migrations" ORDER BY started_at, migration_name',
    );
    expect(rows).toEqual(
      [CREATE_SYSTEM, ADD_MEMORY].map((name) => ({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        checksum: createHash('sha256')
          .update(FIXTURE_SQL[name] ?? '')
          .digest('hex'),
        finished_at: expect.any(Date),
        migration_name: name,
        logs: null,
        rolled_back_at: null,
        started_at: expect.any(Date),
        applied_steps_count: 1,
      })),
    );
    const columns = await query<{ column_name: string; data_type: string; is_nullable: string }>(
      `SELECT column_name, data_type, is_nullable FROM information_schema.columns
       WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`,
    );
    expect(columns.map((c) => `${c.column_name} ${c.data_type} ${c.is_nullable}`)).toEqual([
      'id character varying NO',
      'checksum character varying NO',
      'finished_at timestamp with time zone YES',
      'migration_name character varying NO',
      'logs text YES',
      'rolled_back_at timestamp with time zone YES',
      'started_at timestamp with time zone NO',
      'applied_steps_count integer NO',
    ]);
    expect(await query('SELECT id, fqdn, memory FROM "system"')).toEqual([]);
  });

  it('applies nothing on a second run and only new migrations after that', async () => {
    writeMigration(CREATE_SYSTEM);
    writeMigration(ADD_MEMORY);
    await migrate();

    expect(await migrate()).toEqual([]);

    writeMigration(ADD_ARCH);
    expect(await migrate()).toEqual([ADD_ARCH]);
    expect(await appliedNames()).toEqual([CREATE_SYSTEM, ADD_MEMORY, ADD_ARCH]);
  });

  it('refuses to run, naming the migration, when an applied migration.sql was edited', async () => {
    writeMigration(CREATE_SYSTEM);
    await migrate();
    writeMigration(CREATE_SYSTEM, 'CREATE TABLE "system" ("id" BIGSERIAL PRIMARY KEY);\n');
    writeMigration(ADD_ARCH);

    const attempt = migrate();
    await expect(attempt).rejects.toThrow(MigrationHistoryError);
    await expect(attempt).rejects.toThrow(
      `migration "${CREATE_SYSTEM}" was already applied but its migration.sql`,
    );
    expect(await tableExists('arch')).toBe(false);
    expect(await appliedNames()).toEqual([CREATE_SYSTEM]);
  });

  it('treats a CRLF checkout of an applied migration as unchanged', async () => {
    writeMigration(CREATE_SYSTEM, 'CREATE TABLE "system" ("id" SERIAL PRIMARY KEY);\nSELECT 1;\n');
    await migrate();
    writeMigration(CREATE_SYSTEM, 'CREATE TABLE "system" ("id" SERIAL PRIMARY KEY);\r\nSELECT 1;\r\n');

    expect(await migrate()).toEqual([]);
  });

  it('rolls a failing migration back completely and records nothing for it', async () => {
    writeMigration(CREATE_SYSTEM);
    writeMigration(ADD_ARCH, 'CREATE TABLE "arch" ("id" SERIAL PRIMARY KEY);\nSELECT 1 / 0;\n');

    await expect(migrate()).rejects.toThrow(
      `migration "${ADD_ARCH}" failed and was rolled back: division by zero`,
    );
    expect(await tableExists('arch')).toBe(false);
    expect(await appliedNames()).toEqual([CREATE_SYSTEM]);

    writeMigration(ADD_ARCH);
    expect(await migrate()).toEqual([ADD_ARCH]);
  });

  it('refuses to run while Prisma tooling left a migration marked as unfinished', async () => {
    writeMigration(CREATE_SYSTEM);
    await migrate();
    await query(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name) VALUES (gen_random_uuid(), 'x', $1)`,
      [ADD_MEMORY],
    );
    writeMigration(ADD_MEMORY);

    await expect(migrate()).rejects.toThrow(
      `migration "${ADD_MEMORY}" is recorded as started but never finished`,
    );
  });

  it('applies each migration exactly once when several runs start together', async () => {
    writeMigration(CREATE_SYSTEM);
    writeMigration(ADD_MEMORY);
    writeMigration(ADD_ARCH);

    // Hold the migration lock so that every run is provably queued on it before any proceeds.
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      const runs = [migrate(), migrate(), migrate()];
      await waitUntil(
        `${runs.length} runs waiting on the migration lock`,
        async () => (await lockWaiters(holder)) === runs.length,
      );
      await holder.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);

      const results = await Promise.all(runs);
      expect(results.flat().sort()).toEqual([CREATE_SYSTEM, ADD_MEMORY, ADD_ARCH]);
      expect(results.filter((applied) => applied.length > 0)).toHaveLength(1);
      expect(await appliedNames()).toEqual([CREATE_SYSTEM, ADD_MEMORY, ADD_ARCH]);
    } finally {
      await holder.end();
    }
  });
});

async function lockWaiters(client: pg.Client): Promise<number> {
  // A bigint advisory key shows in pg_locks split into classid (high half) and objid (low half).
  const { rows } = await client.query<{ waiting: number }>(
    `SELECT count(*)::int AS waiting FROM pg_locks
     WHERE locktype = 'advisory' AND classid = 0 AND objid = $1 AND NOT granted AND database = (
       SELECT oid FROM pg_database WHERE datname = current_database())`,
    [MIGRATION_LOCK_KEY],
  );
  return rows[0]?.waiting ?? 0;
}

/** Polls an observable condition (not a fixed delay), failing after `timeoutMs`. */
async function waitUntil(what: string, condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('migrations directory', () => {
  it('resolves prisma/migrations from the repository root', () => {
    expect(existsSync(join(repoRoot(), 'package.json'))).toBe(true);
    expect(defaultMigrationsDir()).toBe(join(repoRoot(), 'prisma', 'migrations'));
  });

  it('finds the same root from where the compiled module lives', () => {
    expect(findRepoRoot(join(repoRoot(), 'dist', 'server', 'src', 'db'))).toBe(repoRoot());
  });
});

describe('npm run db:migrate', () => {
  const cli = join(repoRoot(), 'dist', 'server', 'src', 'db', 'migrate-cli.js');
  const run = (env: NodeJS.ProcessEnv) =>
    promisify(execFile)(process.execPath, [cli], { cwd: tmpdir(), env: { PATH: process.env.PATH, ...env } });

  it('applies the repository migrations to DATABASE_URL from any working directory', async () => {
    expect(existsSync(cli)).toBe(true); // built by `npm run build` (npm test's pretest does it)
    const repoMigrations = readdirSync(defaultMigrationsDir(), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();

    await run({ DATABASE_URL: db.url });

    expect((await appliedNames()).sort()).toEqual(repoMigrations);
  });

  it('fails with a clear message when DATABASE_URL is not set', async () => {
    await expect(run({})).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('DATABASE_URL') });
  });
});
