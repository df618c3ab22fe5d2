/**
 * The statements behind loadSystemRecords (system-facts.ts) and the decoding of their
 * packed results: each related table comes back as one value, a JSON array of arrays or,
 * for devices and key-values, a string of separated fields checked on the way in.
 */
import type { Db } from '../../db/prisma.js';

export type SystemRow = [
  id: number,
  fqdn: string,
  type: string,
  status: string,
  ownerId: number,
  userId: number | null,
  loanedToId: number | null,
  labControllerId: number | null,
  activeAccessPolicyId: number | null,
  memory: number | null,
  numaNodes: number | null,
  vendor: string,
  model: string,
  location: string,
  serial: string,
  lender: string,
  hypervisor: string | null,
  dateAdded: number,
  dateLastInventoried: number | null,
  dateModified: number,
  owner: string,
  user: string | null,
  loanedTo: string | null,
  labFqdn: string | null,
  labRemoved: boolean,
  powerType: string | null,
];

export type CpuRow = [
  systemId: number,
  vendor: string,
  modelName: string,
  model: number | null,
  family: number | null,
  stepping: number | null,
  speed: number | string | null,
  processors: number | null,
  cores: number | null,
  sockets: number | null,
  hyper: boolean,
  flags: string[] | null,
];

export type DiskRow = [
  systemId: number,
  model: string,
  size: number | string,
  sectorSize: number | null,
  physSectorSize: number | null,
];

export type DeviceRow = [
  systemId: number,
  vendorId: string,
  deviceId: string,
  subsysVendorId: string,
  subsysDeviceId: string,
  bus: string,
  driver: string,
  description: string,
  deviceClass: string,
];

/** A timestamp(3) as milliseconds since the epoch, exactly (extract gives numeric). */
const epochMs = (column: string) => `extract(epoch FROM ${column}) * 1000`;

/** Separates the fields of a packed row (see packedRows). */
const FIELD = '\x1f';
/** Separates packed rows. */
const ROW = '\x1e';

/** DeviceRow's columns. */
const DEVICE_COLUMNS =
  'system_id, vendor_id, device_id, subsys_vendor_id, subsys_device_id, bus, driver, description, device_class';

/** One key-value as `id FIELD system_id FIELD key_id FIELD value`, in key_value.id order. */
export interface PackedKeyValues {
  rows: number;
  packed: string | null;
}

/** What one load reads, each table in one value (see FactQueries.all). */
export interface Facts {
  systems: SystemRow[];
  arches: [systemId: number, arch: string][];
  cpus: CpuRow[];
  disks: DiskRow[];
  /** Undefined when they could not be packed (see packedRows). */
  devices: DeviceRow[] | undefined;
  keyValues: PackedKeyValues;
  pools: [systemId: number, pool: string][];
  majors: [systemId: number, arch: string, osMajor: string][];
  versions: [systemId: number, arch: string, osMajor: string, osMinor: string][];
  keys: [id: number, name: string, numeric: boolean][];
}

/** The loader's queries, limited to the given systems (null: every system). */
export class FactQueries {
  constructor(
    private readonly db: Db,
    private readonly ids: number[] | null,
  ) {}

  /** Everything, in one statement (see FACTS). */
  async all(): Promise<Facts> {
    const [row] = await this.db.$queryRawUnsafe<Record<string, string | number | null>[]>(FACTS, this.ids);
    const column = (name: string) => (row?.[name] ?? null) as string | null;
    return {
      systems: parsed(column('systems')),
      arches: parsed(column('arches')),
      cpus: parsed(column('cpus')),
      disks: parsed(column('disks')),
      devices: unpackRows(column('devices'), Number(row?.device_rows ?? 0), 9)?.map(
        (f): DeviceRow => [Number(f[0]), f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8]] as DeviceRow,
      ),
      keyValues: { rows: Number(row?.key_value_rows ?? 0), packed: column('key_values') },
      pools: parsed(column('pools')),
      majors: parsed(column('majors')),
      versions: parsed(column('versions')),
      keys: parsed(column('keys')),
    };
  }

  /** Devices as JSON, for when a value holds a separator (see packedRows). */
  devicesAsTuples(): Promise<DeviceRow[]> {
    return this.one(tuples(DEVICE_COLUMNS, `device WHERE ${inScope('system_id')}`, 'id'));
  }

  /** Key-values with their key's name and numeric flag, for when they cannot be unpacked. */
  keyValuesRowByRow(): Promise<[systemId: number, name: string, numeric: boolean, value: string][]> {
    return this.one(
      tuples(
        'kv.system_id, k.name, k.numeric, kv.value',
        `key_value kv JOIN key k ON k.id = kv.key_id WHERE ${inScope('kv.system_id')}`,
        'kv.id',
      ),
    );
  }

  private async one<T>(subquery: string): Promise<T[]> {
    const [row] = await this.db.$queryRawUnsafe<{ rows: string | null }[]>(
      `SELECT ${subquery} AS rows`,
      this.ids,
    );
    return parsed(row?.rows ?? null);
  }
}

/** A condition on a system id column: $1 is the id list, or null for every system. */
const inScope = (column: string) => `($1::int[] IS NULL OR ${column} = ANY($1::int[]))`;

/**
 * A subquery giving the rows as one JSON text of arrays of the columns, parsed natively in
 * Node: json_build_array, as row_to_json (objects) cost PostgreSQL twice as much (the
 * systems: 52 against 92 ms). `orderBy` sorts the rows; none keeps the order the plain
 * SELECT would return them in.
 */
function tuples(columns: string, from: string, orderBy?: string): string {
  const order = orderBy ? ` ORDER BY ${orderBy}` : '';
  return `(SELECT json_agg(json_build_array(${columns})${order})::text FROM ${from})`;
}

/** json_agg over no rows is NULL. */
const parsed = <T>(json: string | null): T[] => (json === null ? [] : (JSON.parse(json) as T[]));

/**
 * A subquery packing rows of text columns (NOT NULL ones: concat_ws skips NULLs) into one
 * string, without the escaping JSON needs: for 13,705 devices' eight strings PostgreSQL
 * took ~19 ms instead of ~55 (and Node ~15 to decode either).
 */
function packedRows(columns: string, from: string, orderBy: string): string {
  return `(SELECT string_agg(concat_ws(E'${FIELD}', ${columns}), E'${ROW}' ORDER BY ${orderBy}) FROM ${from})`;
}

/** The packed rows' fields; undefined when a value holds FIELD or ROW (the row count or a row's field count is off). */
function unpackRows(packed: string | null, rows: number, fields: number): string[][] | undefined {
  if (packed === null) return rows === 0 ? [] : undefined;
  const unpacked = packed.split(ROW).map((row) => row.split(FIELD));
  return unpacked.length === rows && unpacked.every((row) => row.length === fields) ? unpacked : undefined;
}

/**
 * A subquery packing key-values into one string in id order (see unpackKeyValues): ~110 ms
 * of PostgreSQL and ~10 of Node for 150,000, against ~150 + ~25 packed per system (a sort
 * per system for the aggregate's ORDER BY), ~250 + ~175 as two text arrays per system and
 * ~200 + ~30 as JSON. The ids come along so that the order can be checked: it is that of
 * the inner query, which PostgreSQL keeps for a plain aggregate but does not promise.
 */
function packedKeyValues(scope: string): string {
  return `(SELECT string_agg(kv, E'${ROW}')
             FROM (SELECT kv.id || E'${FIELD}' || kv.system_id || E'${FIELD}' || kv.key_id || E'${FIELD}' || kv.value AS kv
                     FROM key_value kv WHERE ${scope} ORDER BY kv.id) ordered)`;
}

/**
 * Everything in one statement, so in one snapshot: the versions (date_modified) are those
 * of the facts read with them (loaded apart, versions had to be read first so that facts
 * were never older than their version), and Prisma's per-request work (~1 ms, its query
 * compiler included) is done once instead of eleven times. PostgreSQL runs the parts one
 * after another on one core, ~260 ms for the synthetic lab, while the scheduler's queue
 * query runs on another connection.
 */
const FACTS = `SELECT
  ${tuples(
    `s.id, s.fqdn, s.type, s.status, s.owner_id, s.user_id, s.loaned_to_id, s.lab_controller_id,
     s.active_access_policy_id, s.memory, s.numa_nodes, s.vendor, s.model, s.location, s.serial, s.lender,
     s.hypervisor, ${epochMs('s.date_added')}, ${epochMs('s.date_last_inventoried')}, ${epochMs('s.date_modified')},
     o.username, u.username, l.username, lc.fqdn, lc.removed_at IS NOT NULL, p.power_type`,
    `system s
       JOIN user_account o ON o.id = s.owner_id
       LEFT JOIN user_account u ON u.id = s.user_id
       LEFT JOIN user_account l ON l.id = s.loaned_to_id
       LEFT JOIN lab_controller lc ON lc.id = s.lab_controller_id
       LEFT JOIN power p ON p.system_id = s.id
      WHERE ${inScope('s.id')}`,
    's.fqdn',
  )} AS systems,
  ${tuples('sa.system_id, a.name', `system_arch sa JOIN arch a ON a.id = sa.arch_id WHERE ${inScope('sa.system_id')}`)} AS arches,
  ${tuples(
    'system_id, vendor, model_name, model, family, stepping, speed, processors, cores, sockets, hyper, flags',
    `cpu WHERE ${inScope('system_id')}`,
  )} AS cpus,
  ${tuples('system_id, model, size::float8, sector_size, phys_sector_size', `disk WHERE ${inScope('system_id')}`, 'id')} AS disks,
  (SELECT count(*)::int FROM device WHERE ${inScope('system_id')}) AS device_rows,
  ${packedRows(DEVICE_COLUMNS, `device WHERE ${inScope('system_id')}`, 'id')} AS devices,
  (SELECT count(*)::int FROM key_value WHERE ${inScope('system_id')}) AS key_value_rows,
  ${packedKeyValues(inScope('kv.system_id'))} AS key_values,
  ${tuples('m.system_id, p.name', `system_pool_member m JOIN pool p ON p.id = m.pool_id WHERE ${inScope('m.system_id')}`, 'p.name')} AS pools,
  ${tuples(
    'e.system_id, a.name, om.name',
    `excluded_os_major e JOIN arch a ON a.id = e.arch_id JOIN os_major om ON om.id = e.os_major_id
      WHERE ${inScope('e.system_id')}`,
  )} AS majors,
  ${tuples(
    'e.system_id, a.name, om.name, ov.os_minor',
    `excluded_os_version e JOIN arch a ON a.id = e.arch_id JOIN os_version ov ON ov.id = e.os_version_id
       JOIN os_major om ON om.id = ov.os_major_id WHERE ${inScope('e.system_id')}`,
  )} AS versions,
  ${tuples('id, name, numeric', 'key')} AS keys`;

/**
 * Fills the drafts' key-values from the packed string. Each distinct (key, value) gets one
 * one-value list that every system with it shares: the synthetic lab's 150,000 key-values
 * hold 5,464 distinct pairs (13 → 5 MB of index), and SystemIndex groups systems by value.
 * False, with drafts partly filled, when the string cannot be read that way: a value holds
 * ROW (the count is off), the ids are not ascending, or a key is newer than `keyNames`.
 */
export function unpackKeyValues(
  { rows, packed }: PackedKeyValues,
  keyNames: ReadonlyMap<number, string>,
  byId: ReadonlyMap<number, { keyValues: Map<string, readonly string[]> }>,
  intern: (text: string) => string,
): boolean {
  if (packed === null) return rows === 0;
  const pairs = new Map<string, { key: string; values: readonly string[] } | null>();
  let count = 0;
  let lastId = 0;
  for (let start = 0; start <= packed.length; count++) {
    let end = packed.indexOf(ROW, start);
    if (end === -1) end = packed.length;
    const idEnd = packed.indexOf(FIELD, start);
    const systemEnd = packed.indexOf(FIELD, idEnd + 1);
    const id = digits(packed, start, idEnd);
    if (idEnd === -1 || systemEnd === -1 || systemEnd >= end || !(id > lastId)) return false;
    lastId = id;
    // The key id and the value, as one string to look the shared list up by.
    const entry = packed.slice(systemEnd + 1, end);
    let pair = pairs.get(entry);
    if (pair === undefined) {
      const split = entry.indexOf(FIELD);
      const key = split === -1 ? undefined : keyNames.get(Number(entry.slice(0, split)));
      pair = key === undefined ? null : { key, values: [intern(entry.slice(split + 1))] };
      pairs.set(entry, pair);
    }
    if (!pair) return false;
    const d = byId.get(digits(packed, idEnd + 1, systemEnd));
    const values = d?.keyValues.get(pair.key);
    // A key the system has twice gets a list of its own (the shared ones are never changed).
    d?.keyValues.set(pair.key, values ? [...values, ...pair.values] : pair.values);
    start = end + 1;
  }
  return count === rows;
}

/** The decimal number in text[from, to), or NaN: no substring to allocate per field. */
function digits(text: string, from: number, to: number): number {
  if (to <= from) return NaN;
  let n = 0;
  for (let i = from; i < to; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return NaN;
    n = n * 10 + digit;
  }
  return n;
}
