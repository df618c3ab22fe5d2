// A database schema reduced to what drift detection compares, built once from schema.prisma and
// once from the live database, so the comparison itself does not care where either came from.

export type ReferentialAction = 'CASCADE' | 'RESTRICT' | 'NO ACTION' | 'SET NULL' | 'SET DEFAULT';

export interface ColumnShape {
  name: string;
  /**
   * Postgres type as `format_type()` spells it (`character varying(255)`, `timestamp(3) without time
   * zone`), or `enum <type name>` for enums; `[]` appended for arrays.
   */
  type: string;
  nullable: boolean;
}

export interface IndexShape {
  kind: 'unique' | 'normal';
  /** Key columns in index order; an expression shows as its SQL, e.g. `lower(fqdn)`. */
  columns: string[];
}

export interface ForeignKeyShape {
  columns: string[];
  referencedTable: string;
  referencedColumns: string[];
  onDelete: ReferentialAction;
  onUpdate: ReferentialAction;
}

export interface TableShape {
  name: string;
  columns: ColumnShape[];
  primaryKey: string[] | null;
  indexes: IndexShape[];
  foreignKeys: ForeignKeyShape[];
}

export interface EnumShape {
  name: string;
  values: string[];
}

export interface SchemaShape {
  tables: TableShape[];
  enums: EnumShape[];
}
