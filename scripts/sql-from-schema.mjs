// Prints the CREATE statements for prisma/schema.prisma, following Prisma Migrate's naming
// conventions. Prisma Migrate cannot run on our machines (its schema engine is a download),
// so this drafts a migration for a *new* table set; changes to existing tables are written by
// hand. Either way test/integration/schema-drift.test.ts checks the result independently.
//
//   node scripts/sql-from-schema.mjs [Model …] > prisma/migrations/<timestamp>_<name>/migration.sql
import { readFileSync } from 'node:fs';
import { get_dmmf } from '@prisma/prisma-schema-wasm';

const schema = readFileSync(new URL('../prisma/schema.prisma', import.meta.url), 'utf8');
const { datamodel } = JSON.parse(get_dmmf(JSON.stringify({ prismaSchema: [['schema.prisma', schema]] })));
const only = new Set(process.argv.slice(2));
const models = datamodel.models.filter((m) => only.size === 0 || only.has(m.name));
const modelByName = new Map(datamodel.models.map((m) => [m.name, m]));
const enumByName = new Map(datamodel.enums.map((e) => [e.name, e]));

const q = (name) => `"${name}"`;
const table = (model) => model.dbName ?? model.name;
const column = (model, fieldName) => {
  const field = model.fields.find((f) => f.name === fieldName);
  return field.dbName ?? field.name;
};
const enumDbName = (name) => enumByName.get(name).dbName ?? name;

function sqlType(field) {
  if (field.kind === 'enum') return q(enumDbName(field.type)) + (field.isList ? '[]' : '');
  if (field.default?.name === 'autoincrement') return field.type === 'BigInt' ? 'BIGSERIAL' : 'SERIAL';
  let base;
  if (field.nativeType) {
    const [name, args] = field.nativeType;
    const upper = { Decimal: 'DECIMAL', VarChar: 'VARCHAR', Timestamptz: 'TIMESTAMPTZ', Uuid: 'UUID' }[name];
    if (!upper) throw new Error(`native type ${name} not handled`);
    base = args.length ? `${upper}(${args.join(',')})` : upper;
  } else {
    base = {
      String: 'TEXT',
      Int: 'INTEGER',
      BigInt: 'BIGINT',
      Boolean: 'BOOLEAN',
      DateTime: 'TIMESTAMP(3)',
      Float: 'DOUBLE PRECISION',
      Decimal: 'DECIMAL(65,30)',
      Json: 'JSONB',
      Bytes: 'BYTEA',
    }[field.type];
  }
  return base + (field.isList ? '[]' : '');
}

function sqlDefault(field) {
  const value = field.default;
  if (value === undefined || value?.name === 'autoincrement') return '';
  if (value?.name === 'now') return ' DEFAULT CURRENT_TIMESTAMP';
  if (Array.isArray(value)) {
    if (value.length) throw new Error(`non-empty list default on ${field.name}`);
    return ` DEFAULT ARRAY[]::${sqlType({ ...field, isList: false })}[]`;
  }
  if (typeof value === 'string') {
    const literal = `'${value.replaceAll("'", "''")}'`;
    return field.kind === 'enum'
      ? ` DEFAULT ${literal}`
      : field.type === 'Json'
        ? ` DEFAULT ${literal}`
        : ` DEFAULT ${literal}`;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return ` DEFAULT ${value}`;
  throw new Error(`default ${JSON.stringify(value)} on ${field.name} not handled`);
}

const out = [];
const usedEnums = new Set(
  models.flatMap((m) => m.fields.filter((f) => f.kind === 'enum').map((f) => f.type)),
);
for (const e of datamodel.enums.filter((e) => only.size === 0 || usedEnums.has(e.name))) {
  const values = e.values.map((v) => `'${v.dbName ?? v.name}'`).join(', ');
  out.push(`-- CreateEnum\nCREATE TYPE ${q(e.dbName ?? e.name)} AS ENUM (${values});\n`);
}

for (const model of models) {
  const lines = model.fields
    .filter((f) => f.kind !== 'object')
    .map(
      (f) =>
        `    ${q(f.dbName ?? f.name)} ${sqlType(f)}${f.isRequired && !f.isList ? ' NOT NULL' : ''}${sqlDefault(f)}`,
    );
  const pkFields = model.primaryKey?.fields ?? model.fields.filter((f) => f.isId).map((f) => f.name);
  const pkName = model.primaryKey?.name ?? `${table(model)}_pkey`;
  lines.push(
    `\n    CONSTRAINT ${q(pkName)} PRIMARY KEY (${pkFields.map((f) => q(column(model, f))).join(',')})`,
  );
  out.push(`-- CreateTable\nCREATE TABLE ${q(table(model))} (\n${lines.join(',\n')}\n);\n`);
}

for (const index of datamodel.indexes) {
  const model = modelByName.get(index.model);
  if (!models.includes(model) || index.type === 'id') continue;
  const columns = index.fields.map((f) => column(model, f.name));
  const suffix = index.type === 'unique' ? 'key' : 'idx';
  const name = index.dbName ?? `${table(model)}_${columns.join('_')}_${suffix}`;
  const unique = index.type === 'unique' ? 'UNIQUE ' : '';
  out.push(
    `-- CreateIndex\nCREATE ${unique}INDEX ${q(name)} ON ${q(table(model))}(${columns.map(q).join(', ')});\n`,
  );
}

for (const model of models) {
  for (const field of model.fields.filter((f) => f.kind === 'object' && f.relationFromFields?.length)) {
    const target = modelByName.get(field.type);
    const from = field.relationFromFields.map((f) => column(model, f));
    const to = field.relationToFields.map((f) => column(target, f));
    const onDelete = (field.relationOnDelete ?? (field.isRequired ? 'Restrict' : 'SetNull'))
      .replace('SetNull', 'SET NULL')
      .replace('NoAction', 'NO ACTION')
      .replace('SetDefault', 'SET DEFAULT')
      .toUpperCase();
    const name = `${table(model)}_${from.join('_')}_fkey`;
    out.push(
      `-- AddForeignKey\nALTER TABLE ${q(table(model))} ADD CONSTRAINT ${q(name)} FOREIGN KEY (${from.map(q).join(', ')}) ` +
        `REFERENCES ${q(table(target))}(${to.map(q).join(', ')}) ON DELETE ${onDelete} ON UPDATE CASCADE;\n`,
    );
  }
}

process.stdout.write(out.join('\n'));
