// Detects differences between prisma/schema.prisma and a migrated database. Migrations are written
// by hand (Prisma Migrate cannot run here), so this is what keeps the two in step.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import pg from 'pg';
import { schemaShapeFromDatabase } from './schema-from-database.js';
import { schemaShapeFromPrisma } from './schema-from-prisma.js';
import type { ForeignKeyShape, IndexShape, SchemaShape, TableShape } from './schema-shape.js';

export interface FindSchemaDriftOptions {
  connectionString: string;
  schemaPath: string;
}

/** One readable line per difference; empty when the database matches schema.prisma. */
export async function findSchemaDrift({
  connectionString,
  schemaPath,
}: FindSchemaDriftOptions): Promise<string[]> {
  const expected = schemaShapeFromPrisma(readFileSync(schemaPath, 'utf8'), basename(schemaPath));
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    return compareSchemas(expected, await schemaShapeFromDatabase(client));
  } finally {
    await client.end();
  }
}

const list = (items: string[]) => `(${items.join(', ')})`;
const byName = <T extends { name: string }>(items: T[]) => new Map(items.map((item) => [item.name, item]));
const sortedNames = (...maps: Map<string, unknown>[]) =>
  [...new Set(maps.flatMap((map) => [...map.keys()]))].sort();

export function compareSchemas(expected: SchemaShape, actual: SchemaShape): string[] {
  return [...compareEnums(expected, actual), ...compareTables(expected, actual)];
}

function compareEnums(expected: SchemaShape, actual: SchemaShape): string[] {
  const wanted = byName(expected.enums);
  const found = byName(actual.enums);
  const drift: string[] = [];
  for (const name of sortedNames(wanted, found)) {
    const want = wanted.get(name);
    const have = found.get(name);
    if (!have) drift.push(`enum "${name}" is missing from the database`);
    else if (!want) drift.push(`enum "${name}" exists in the database but not in schema.prisma`);
    else if (want.values.join('\0') !== have.values.join('\0')) {
      drift.push(
        `enum "${name}" has values ${list(have.values)} in the database but ${list(want.values)} in schema.prisma`,
      );
    }
  }
  return drift;
}

function compareTables(expected: SchemaShape, actual: SchemaShape): string[] {
  const wanted = byName(expected.tables);
  const found = byName(actual.tables);
  const drift: string[] = [];
  for (const name of sortedNames(wanted, found)) {
    const want = wanted.get(name);
    const have = found.get(name);
    if (!have) drift.push(`table "${name}" is missing from the database`);
    else if (!want) drift.push(`table "${name}" exists in the database but not in schema.prisma`);
    else {
      const prefix = `table "${name}": `;
      for (const line of [
        ...compareColumns(want, have),
        ...comparePrimaryKeys(want, have),
        ...compareIndexes(want, have),
        ...compareForeignKeys(want, have),
      ]) {
        drift.push(prefix + line);
      }
    }
  }
  return drift;
}

function compareColumns(want: TableShape, have: TableShape): string[] {
  const wanted = byName(want.columns);
  const found = byName(have.columns);
  const drift: string[] = [];
  for (const name of sortedNames(wanted, found)) {
    const wantColumn = wanted.get(name);
    const haveColumn = found.get(name);
    if (!haveColumn) {
      drift.push(`column "${name}" is missing from the database`);
      continue;
    }
    if (!wantColumn) {
      drift.push(`column "${name}" exists in the database but not in schema.prisma`);
      continue;
    }
    if (wantColumn.type !== haveColumn.type) {
      drift.push(
        `column "${name}" has type ${haveColumn.type} in the database but ${wantColumn.type} in schema.prisma`,
      );
    }
    if (wantColumn.nullable !== haveColumn.nullable) {
      const isList = wantColumn.type.endsWith('[]');
      const inDatabase = haveColumn.nullable ? 'nullable' : 'NOT NULL';
      const inSchema = isList
        ? 'a list in schema.prisma (Prisma creates list columns nullable)'
        : wantColumn.nullable
          ? 'optional in schema.prisma'
          : 'required in schema.prisma';
      drift.push(`column "${name}" is ${inDatabase} in the database but ${inSchema}`);
    }
  }
  return drift;
}

function comparePrimaryKeys(want: TableShape, have: TableShape): string[] {
  const describe = (key: string[] | null) => (key ? list(key) : 'absent');
  if (describe(want.primaryKey) === describe(have.primaryKey)) return [];
  return [
    `primary key is ${describe(have.primaryKey)} in the database but ${describe(want.primaryKey)} in schema.prisma`,
  ];
}

// Indexes are matched by kind and ordered key columns; their names are not compared.
function compareIndexes(want: TableShape, have: TableShape): string[] {
  const describe = (index: IndexShape) =>
    `${index.kind === 'unique' ? 'unique index' : 'index'} on ${list(index.columns)}`;
  const wanted = new Set(want.indexes.map(describe));
  const found = new Set(have.indexes.map(describe));
  return [
    ...[...wanted]
      .filter((index) => !found.has(index))
      .map((index) => `${index} is missing from the database`),
    ...[...found]
      .filter((index) => !wanted.has(index))
      .map((index) => `${index} exists in the database but not in schema.prisma`),
  ];
}

function compareForeignKeys(want: TableShape, have: TableShape): string[] {
  const describe = (key: ForeignKeyShape) =>
    `foreign key ${list(key.columns)} references "${key.referencedTable}" ${list(key.referencedColumns)}`;
  const wanted = new Map(want.foreignKeys.map((key) => [describe(key), key]));
  const found = new Map(have.foreignKeys.map((key) => [describe(key), key]));
  const drift: string[] = [];
  for (const [description, wantKey] of wanted) {
    const haveKey = found.get(description);
    if (!haveKey) {
      drift.push(`${description} is missing from the database`);
      continue;
    }
    for (const event of ['onDelete', 'onUpdate'] as const) {
      if (wantKey[event] !== haveKey[event]) {
        const clause = event === 'onDelete' ? 'ON DELETE' : 'ON UPDATE';
        drift.push(
          `${description} has ${clause} ${haveKey[event]} in the database but ${wantKey[event]} in schema.prisma`,
        );
      }
    }
  }
  for (const description of found.keys()) {
    if (!wanted.has(description))
      drift.push(`${description} exists in the database but not in schema.prisma`);
  }
  return drift;
}
