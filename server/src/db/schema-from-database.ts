// Reads the SchemaShape of a live database's current schema (normally `public`) from pg_catalog.
import type pg from 'pg';
import type { ColumnShape, ReferentialAction, SchemaShape, TableShape } from './schema-shape.js';

/** Bookkeeping tables that schema.prisma never describes. */
const IGNORED_TABLES = new Set(['_prisma_migrations']);

const TABLES = `
SELECT c.relname AS table
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')`;

// Arrays are described through their element type so that enum arrays are recognised; the
// column's typmod belongs to the element, so format_type(element, typmod) gives e.g. varchar(255).
const COLUMNS = `
SELECT c.relname AS table, a.attname AS column, NOT a.attnotnull AS nullable,
       t.typcategory = 'A' AS is_array, base.typtype = 'e' AS is_enum, base.typname AS base_name,
       format_type(base.oid, a.atttypmod) AS base_type
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
JOIN pg_type base ON base.oid = CASE WHEN t.typcategory = 'A' THEN t.typelem ELSE t.oid END
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped`;

const ENUMS = `
SELECT t.typname AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS values
FROM pg_type t
JOIN pg_enum e ON e.enumtypid = t.oid
JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE n.nspname = current_schema()
GROUP BY t.typname`;

// Key columns only (INCLUDE columns are not part of the key); attnum 0 marks an expression,
// which is shown as its definition.
const INDEXES = `
SELECT c.relname AS table, i.indisprimary AS is_primary, i.indisunique AS is_unique,
       ARRAY(
         SELECT COALESCE(a.attname::text, pg_get_indexdef(i.indexrelid, k.ord::int, true))
         FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
         LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum AND k.attnum > 0
         WHERE k.ord <= i.indnkeyatts
         ORDER BY k.ord
       ) AS columns
FROM pg_index i
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema()
  -- Partial indexes (WHERE …) cannot be declared in schema.prisma: they are SQL-only backstops.
  AND i.indpred IS NULL`;

const FOREIGN_KEYS = `
SELECT c.relname AS table, ref.relname AS referenced_table,
       con.confdeltype AS on_delete, con.confupdtype AS on_update,
       ARRAY(
         SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
         JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.ord
       ) AS columns,
       ARRAY(
         SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
         JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum ORDER BY k.ord
       ) AS referenced_columns
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_class ref ON ref.oid = con.confrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND con.contype = 'f'`;

// pg_constraint.confdeltype / confupdtype codes.
const ACTION_CODES: Record<string, ReferentialAction> = {
  a: 'NO ACTION',
  r: 'RESTRICT',
  c: 'CASCADE',
  n: 'SET NULL',
  d: 'SET DEFAULT',
};

function action(code: string): ReferentialAction {
  const result = ACTION_CODES[code];
  if (!result) throw new Error(`unknown pg_constraint action code ${code}`);
  return result;
}

interface ColumnRow {
  table: string;
  column: string;
  nullable: boolean;
  is_array: boolean;
  is_enum: boolean;
  base_name: string;
  base_type: string;
}
interface IndexRow {
  table: string;
  is_primary: boolean;
  is_unique: boolean;
  columns: string[];
}
interface ForeignKeyRow {
  table: string;
  referenced_table: string;
  on_delete: string;
  on_update: string;
  columns: string[];
  referenced_columns: string[];
}

function columnShape(row: ColumnRow): ColumnShape {
  const base = row.is_enum ? `enum ${row.base_name}` : row.base_type;
  return { name: row.column, type: row.is_array ? `${base}[]` : base, nullable: row.nullable };
}

export async function schemaShapeFromDatabase(client: pg.ClientBase): Promise<SchemaShape> {
  const tableRows = (await client.query<{ table: string }>(TABLES)).rows;
  const tables = new Map<string, TableShape>();
  for (const { table } of tableRows) {
    if (IGNORED_TABLES.has(table)) continue;
    tables.set(table, { name: table, columns: [], primaryKey: null, indexes: [], foreignKeys: [] });
  }

  for (const row of (await client.query<ColumnRow>(COLUMNS)).rows) {
    tables.get(row.table)?.columns.push(columnShape(row));
  }
  for (const row of (await client.query<IndexRow>(INDEXES)).rows) {
    const table = tables.get(row.table);
    if (!table) continue;
    if (row.is_primary) table.primaryKey = row.columns;
    else table.indexes.push({ kind: row.is_unique ? 'unique' : 'normal', columns: row.columns });
  }
  for (const row of (await client.query<ForeignKeyRow>(FOREIGN_KEYS)).rows) {
    tables.get(row.table)?.foreignKeys.push({
      columns: row.columns,
      referencedTable: row.referenced_table,
      referencedColumns: row.referenced_columns,
      onDelete: action(row.on_delete),
      onUpdate: action(row.on_update),
    });
  }

  const enums = (await client.query<{ name: string; values: string[] }>(ENUMS)).rows;
  return { tables: [...tables.values()], enums };
}
