import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import pg from 'pg';
import { applyMigrations } from '../../server/src/db/migrate.js';
import { defaultSchemaPath, repoRoot } from '../../server/src/db/repo-paths.js';
import { findSchemaDrift } from '../../server/src/db/schema-drift.js';
import { schemaShapeFromPrisma } from '../../server/src/db/schema-from-prisma.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

describe('prisma/schema.prisma and prisma/migrations', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase();
  });
  afterEach(async () => {
    await db.drop();
  });

  it('describe the same database', async () => {
    expect(await findSchemaDrift({ connectionString: db.url, schemaPath: defaultSchemaPath() })).toEqual([]);
  });

  it('drift is reported when a column loses NOT NULL and an index is dropped', async () => {
    // Picked from the live schema so the test keeps working as the data model grows.
    const { column, index } = await withClient(db.url, async (client) => {
      const column = (
        await client.query<{ table: string; column: string }>(`
          SELECT c.relname AS table, a.attname AS column
          FROM pg_attribute a
          JOIN pg_class c ON c.oid = a.attrelid
          JOIN pg_namespace n ON n.oid = c.relnamespace
          JOIN pg_type t ON t.oid = a.atttypid
          WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relname <> '_prisma_migrations'
            AND a.attnum > 0 AND NOT a.attisdropped AND a.attnotnull AND t.typcategory <> 'A'
            AND NOT EXISTS (
              SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary AND a.attnum = ANY (i.indkey))
          ORDER BY 1, 2 LIMIT 1`)
      ).rows[0];
      const index = (
        await client.query<{ table: string; index: string; columns: string[] }>(`
          SELECT c.relname AS table, ic.relname AS index,
                 ARRAY(SELECT a.attname::text FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                       ORDER BY k.ord) AS columns
          FROM pg_index i
          JOIN pg_class c ON c.oid = i.indrelid
          JOIN pg_class ic ON ic.oid = i.indexrelid
          JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = current_schema() AND NOT i.indisprimary AND NOT i.indisunique AND i.indexprs IS NULL
          ORDER BY 1, 2 LIMIT 1`)
      ).rows[0];
      if (!column || !index)
        throw new Error('schema has no NOT NULL non-key column or no @@index to tamper with');
      await client.query(`ALTER TABLE "${column.table}" ALTER COLUMN "${column.column}" DROP NOT NULL`);
      await client.query(`DROP INDEX "${index.index}"`);
      return { column, index };
    });

    const drift = await findSchemaDrift({ connectionString: db.url, schemaPath: defaultSchemaPath() });

    expect(drift).toEqual(
      expect.arrayContaining([
        `table "${column.table}": column "${column.column}" is nullable in the database but required in schema.prisma`,
        `table "${index.table}": index on (${index.columns.join(', ')}) is missing from the database`,
      ]),
    );
  });
});

// A small schema using every type mapping and relation kind, with the SQL Prisma Migrate would
// generate for it, so the mapping is covered whatever the real schema happens to use.
describe('findSchemaDrift type and relation mapping', () => {
  const fixture = join(repoRoot(), 'test', 'fixtures', 'schema-drift');
  const schemaPath = join(fixture, 'schema.prisma');
  let db: TestDatabase;

  beforeEach(async () => {
    db = await createTestDatabase({ empty: true });
    await applyMigrations({ connectionString: db.url, migrationsDir: join(fixture, 'migrations') });
  });
  afterEach(async () => {
    await db.drop();
  });

  it('finds no drift in a database built by the SQL Prisma generates', async () => {
    expect(await findSchemaDrift({ connectionString: db.url, schemaPath })).toEqual([]);
  });

  it('reports each kind of difference on its own readable line', async () => {
    await withClient(db.url, (client) =>
      client.query(`
        ALTER TYPE "system_status" ADD VALUE 'Leased';
        ALTER TABLE "system" ALTER COLUMN "memory" SET NOT NULL;
        ALTER TABLE "system" ALTER COLUMN "fqdn" TYPE TEXT;
        ALTER TABLE "system" ALTER COLUMN "tags" SET NOT NULL;
        ALTER TABLE "system" ALTER COLUMN "updated_at" TYPE TIMESTAMP(3);
        ALTER TABLE "system" ADD COLUMN "extra" INTEGER;
        ALTER TABLE "system" DROP COLUMN "code";
        DROP INDEX "system_status_lab_controller_id_idx";
        DROP INDEX "arch_name_key";
        CREATE INDEX "system_lower_fqdn_idx" ON "system" (lower("fqdn"));
        ALTER TABLE "system" DROP CONSTRAINT "system_owner_id_fkey";
        ALTER TABLE "system" ADD CONSTRAINT "system_owner_id_fkey"
          FOREIGN KEY ("owner_id") REFERENCES "user"("id") ON DELETE SET NULL ON UPDATE RESTRICT;
        ALTER TABLE "system_recipe" DROP CONSTRAINT "system_recipe_system_id_fkey";
        ALTER TABLE "system_recipe" DROP CONSTRAINT "system_recipe_pkey";
        ALTER TABLE "_ArchToSystem" ALTER COLUMN "B" TYPE BIGINT;
        CREATE TABLE "stray" ("id" INTEGER);
        CREATE TYPE "stray_kind" AS ENUM ('a');
      `),
    );

    expect(await findSchemaDrift({ connectionString: db.url, schemaPath })).toEqual([
      'enum "stray_kind" exists in the database but not in schema.prisma',
      'enum "system_status" has values (Automated, Manual, Broken, removed, Leased) in the database but (Automated, Manual, Broken, removed) in schema.prisma',
      'table "_ArchToSystem": column "B" has type bigint in the database but integer in schema.prisma',
      'table "arch": unique index on (name) is missing from the database',
      'table "stray" exists in the database but not in schema.prisma',
      'table "system": column "code" is missing from the database',
      'table "system": column "extra" exists in the database but not in schema.prisma',
      'table "system": column "fqdn" has type text in the database but character varying(255) in schema.prisma',
      'table "system": column "memory" is NOT NULL in the database but optional in schema.prisma',
      'table "system": column "tags" is NOT NULL in the database but a list in schema.prisma (Prisma creates list columns nullable)',
      'table "system": column "updated_at" has type timestamp(3) without time zone in the database but timestamp(6) with time zone in schema.prisma',
      'table "system": index on (status, lab_controller_id) is missing from the database',
      'table "system": index on (lower(fqdn)) exists in the database but not in schema.prisma',
      'table "system": foreign key (owner_id) references "user" (id) has ON DELETE SET NULL in the database but CASCADE in schema.prisma',
      'table "system_recipe": primary key is absent in the database but (system_id, recipe_id) in schema.prisma',
      'table "system_recipe": foreign key (system_id) references "system" (id) is missing from the database',
    ]);
  });

  it('reports an invalid schema.prisma without terminal colour codes', () => {
    const parse = () => schemaShapeFromPrisma('model Broken {\n  id Int @id\n  other Missing\n}\n');
    expect(parse).toThrow(/^schema\.prisma does not validate:\n.*Type "Missing" is neither a built-in type/s);
    expect(parse).not.toThrow('\u001b[');
  });
});
