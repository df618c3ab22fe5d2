// Builds the SchemaShape that Prisma Migrate would create for a schema.prisma, from its DMMF.
import { get_dmmf } from '@prisma/prisma-schema-wasm';
import type {
  ColumnShape,
  EnumShape,
  ForeignKeyShape,
  IndexShape,
  ReferentialAction,
  SchemaShape,
  TableShape,
} from './schema-shape.js';

// The parts of Prisma's DMMF that are read here.
interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: 'scalar' | 'enum' | 'object' | 'unsupported';
  type: string;
  isList: boolean;
  isRequired: boolean;
  isId: boolean;
  nativeType?: [string, string[]] | null;
  relationName?: string;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
  relationOnUpdate?: string;
}
interface DmmfModel {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
}
interface DmmfEnum {
  name: string;
  dbName?: string | null;
  values: { name: string; dbName: string | null }[];
}
interface DmmfIndex {
  model: string;
  type: 'id' | 'unique' | 'normal' | 'fulltext';
  fields: { name: string }[];
}
interface Datamodel {
  models: DmmfModel[];
  enums: DmmfEnum[];
  indexes: DmmfIndex[];
}

export function readDatamodel(schemaText: string, fileName = 'schema.prisma'): Datamodel {
  let dmmf: string;
  try {
    dmmf = get_dmmf(JSON.stringify({ prismaSchema: [[fileName, schemaText]] }));
  } catch (error) {
    throw new Error(`${fileName} does not validate:\n${validationMessage(error)}`, { cause: error });
  }
  return (JSON.parse(dmmf) as { datamodel: Datamodel }).datamodel;
}

// The wasm module throws an Error whose message is JSON carrying an ANSI-coloured report.
function validationMessage(error: unknown): string {
  const raw = error instanceof Error ? error.message : String(error);
  let message = raw;
  try {
    message = (JSON.parse(raw) as { message?: string }).message ?? raw;
  } catch {
    // not JSON: use as is
  }
  // eslint-disable-next-line no-control-regex
  return message.replace(/\u001b\[[0-9;]*m/g, '');
}

const DEFAULT_SQL_TYPES: Record<string, string> = {
  String: 'text',
  Int: 'integer',
  BigInt: 'bigint',
  Boolean: 'boolean',
  DateTime: 'timestamp(3) without time zone',
  Float: 'double precision',
  Decimal: 'numeric(65,30)',
  Json: 'jsonb',
  Bytes: 'bytea',
};

/** Spells a `@db.X(args)` native type the way Postgres' format_type() prints it. */
function nativeTypeSql(name: string, args: string[]): string {
  const withArgs = (base: string) => (args.length ? `${base}(${args.join(',')})` : base);
  const withPrecision = (base: string, zone: string) =>
    args.length ? `${base}(${args[0]}) ${zone}` : `${base} ${zone}`;
  switch (name) {
    case 'Text':
      return 'text';
    case 'Char':
      return args.length ? `character(${args[0]})` : 'character(1)';
    case 'VarChar':
      return withArgs('character varying');
    case 'Bit':
      return args.length ? `bit(${args[0]})` : 'bit(1)';
    case 'VarBit':
      return withArgs('bit varying');
    case 'Uuid':
    case 'Xml':
    case 'Inet':
    case 'Citext':
    case 'Money':
    case 'Date':
    case 'Boolean':
      return name.toLowerCase();
    case 'Integer':
      return 'integer';
    case 'SmallInt':
      return 'smallint';
    case 'Oid':
      return 'oid';
    case 'BigInt':
      return 'bigint';
    case 'DoublePrecision':
      return 'double precision';
    case 'Real':
      return 'real';
    case 'Decimal':
      return withArgs('numeric');
    case 'Timestamp':
      return withPrecision('timestamp', 'without time zone');
    case 'Timestamptz':
      return withPrecision('timestamp', 'with time zone');
    case 'Time':
      return withPrecision('time', 'without time zone');
    case 'Timetz':
      return withPrecision('time', 'with time zone');
    case 'Json':
      return 'json';
    case 'JsonB':
      return 'jsonb';
    case 'ByteA':
      return 'bytea';
    default:
      throw new Error(`schema-drift does not know the Postgres type for @db.${name}`);
  }
}

class ModelIndex {
  private readonly models = new Map<string, DmmfModel>();
  private readonly enums = new Map<string, DmmfEnum>();

  constructor(datamodel: Datamodel) {
    for (const model of datamodel.models) this.models.set(model.name, model);
    for (const enumType of datamodel.enums) this.enums.set(enumType.name, enumType);
  }

  model(name: string): DmmfModel {
    const model = this.models.get(name);
    if (!model) throw new Error(`DMMF refers to unknown model ${name}`);
    return model;
  }

  tableName(modelName: string): string {
    const model = this.model(modelName);
    return model.dbName ?? model.name;
  }

  columnName(modelName: string, fieldName: string): string {
    const field = this.model(modelName).fields.find((candidate) => candidate.name === fieldName);
    if (!field) throw new Error(`DMMF refers to unknown field ${modelName}.${fieldName}`);
    return field.dbName ?? field.name;
  }

  enumDbName(enumName: string): string {
    const enumType = this.enums.get(enumName);
    return enumType?.dbName ?? enumName;
  }

  columnType(field: DmmfField): string {
    const base =
      field.kind === 'enum'
        ? `enum ${this.enumDbName(field.type)}`
        : field.nativeType
          ? nativeTypeSql(field.nativeType[0], field.nativeType[1])
          : DEFAULT_SQL_TYPES[field.type];
    if (base === undefined) throw new Error(`schema-drift does not know the Postgres type for ${field.type}`);
    return field.isList ? `${base}[]` : base;
  }

  singleIdField(modelName: string): DmmfField {
    const model = this.model(modelName);
    const ids = model.fields.filter((field) => field.isId);
    const id = ids[0];
    if (ids.length !== 1 || !id) throw new Error(`implicit many-to-many needs a single @id on ${modelName}`);
    return id;
  }
}

const PRISMA_ACTIONS: Record<string, ReferentialAction> = {
  Cascade: 'CASCADE',
  Restrict: 'RESTRICT',
  NoAction: 'NO ACTION',
  SetNull: 'SET NULL',
  SetDefault: 'SET DEFAULT',
};

function referentialAction(prismaName: string | undefined, fallback: ReferentialAction): ReferentialAction {
  if (prismaName === undefined) return fallback;
  const action = PRISMA_ACTIONS[prismaName];
  if (!action) throw new Error(`unknown referential action ${prismaName}`);
  return action;
}

function modelTable(model: DmmfModel, datamodel: Datamodel, index: ModelIndex): TableShape {
  const columnsOf = (fields: { name: string }[]) =>
    fields.map((field) => index.columnName(model.name, field.name));

  const columns: ColumnShape[] = model.fields
    .filter((field) => field.kind === 'scalar' || field.kind === 'enum')
    .map((field) => ({
      name: field.dbName ?? field.name,
      type: index.columnType(field),
      // Prisma Migrate creates scalar list columns without NOT NULL even though the field is required.
      nullable: field.isList || !field.isRequired,
    }));

  const modelIndexes = datamodel.indexes.filter((candidate) => candidate.model === model.name);
  const primary = modelIndexes.find((candidate) => candidate.type === 'id');
  const indexes: IndexShape[] = modelIndexes
    .filter((candidate) => candidate.type === 'unique' || candidate.type === 'normal')
    .map((candidate) => ({
      kind: candidate.type as IndexShape['kind'],
      columns: columnsOf(candidate.fields),
    }));

  const foreignKeys: ForeignKeyShape[] = model.fields
    .filter((field) => field.kind === 'object' && (field.relationFromFields?.length ?? 0) > 0)
    .map((field) => ({
      columns: columnsOf((field.relationFromFields ?? []).map((name) => ({ name }))),
      referencedTable: index.tableName(field.type),
      referencedColumns: (field.relationToFields ?? []).map((name) => index.columnName(field.type, name)),
      // Prisma's defaults: optional relations set null, required ones restrict; updates cascade.
      onDelete: referentialAction(field.relationOnDelete, field.isRequired ? 'RESTRICT' : 'SET NULL'),
      onUpdate: referentialAction(field.relationOnUpdate, 'CASCADE'),
    }));

  return {
    name: index.tableName(model.name),
    columns,
    primaryKey: primary ? columnsOf(primary.fields) : null,
    indexes,
    foreignKeys,
  };
}

/**
 * Join tables Prisma creates for implicit many-to-many relations (list fields on both sides, no
 * `fields:`): `_<relationName>` with columns A and B pointing at the models in alphabetical order.
 */
function implicitJoinTables(datamodel: Datamodel, index: ModelIndex): TableShape[] {
  const tables = new Map<string, TableShape>();
  for (const model of datamodel.models) {
    for (const field of model.fields) {
      if (field.kind !== 'object' || !field.isList || (field.relationFromFields?.length ?? 0) > 0) continue;
      const relationName = field.relationName;
      if (!relationName || tables.has(relationName)) continue;
      const opposite = index
        .model(field.type)
        .fields.find(
          (candidate) =>
            candidate.kind === 'object' && candidate.relationName === relationName && candidate !== field,
        );
      if (!opposite?.isList) continue;

      const [modelA, modelB] = [model.name, field.type].sort() as [string, string];
      const joinColumn = (name: 'A' | 'B', modelName: string): ColumnShape => ({
        name,
        type: index.columnType({ ...index.singleIdField(modelName), isList: false }),
        nullable: false,
      });
      const joinForeignKey = (name: 'A' | 'B', modelName: string): ForeignKeyShape => ({
        columns: [name],
        referencedTable: index.tableName(modelName),
        referencedColumns: [index.columnName(modelName, index.singleIdField(modelName).name)],
        onDelete: 'CASCADE',
        onUpdate: 'CASCADE',
      });
      tables.set(relationName, {
        name: `_${relationName}`,
        columns: [joinColumn('A', modelA), joinColumn('B', modelB)],
        primaryKey: ['A', 'B'],
        indexes: [{ kind: 'normal', columns: ['B'] }],
        foreignKeys: [joinForeignKey('A', modelA), joinForeignKey('B', modelB)],
      });
    }
  }
  return [...tables.values()];
}

export function schemaShapeFromPrisma(schemaText: string, fileName?: string): SchemaShape {
  const datamodel = readDatamodel(schemaText, fileName);
  const index = new ModelIndex(datamodel);
  const enums: EnumShape[] = datamodel.enums.map((enumType) => ({
    name: enumType.dbName ?? enumType.name,
    values: enumType.values.map((value) => value.dbName ?? value.name),
  }));
  const tables = [
    ...datamodel.models.map((model) => modelTable(model, datamodel, index)),
    ...implicitJoinTables(datamodel, index),
  ];
  return { tables, enums };
}
