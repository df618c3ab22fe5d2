import type {
  CpuFacts,
  DeviceFacts,
  DiskFacts,
  ExclusionFacts,
  SystemFacts,
} from '../../../../common/src/host-filter/index.js';
import { intern as internalize } from '../../../../common/src/host-filter/evaluate.js';
import type { Db, Prisma } from '../../db/prisma.js';

/**
 * Loads systems as the host filter engine sees them (search, explain, the scheduler's
 * index); the numeric-key set is shared by every system. `where` limits the systems (e.g.
 * to those the caller may see); none means every system.
 */
export async function loadSystemFacts(db: Db, where?: Prisma.SystemWhereInput): Promise<SystemFacts[]> {
  return (await loadSystemRecords(db, where)).map((record) => record.facts);
}

/** A system's facts with the ids the scheduler's rules need (owner, user, loan, lab, policy). */
export interface SystemRecord {
  id: number;
  ownerId: number;
  userId: number | null;
  loanedToId: number | null;
  labControllerId: number | null;
  activeAccessPolicyId: number | null;
  /** system.date_modified (ms): the scheduler's sweep re-reads a system whose row changed since. */
  modifiedAt: number;
  facts: SystemFacts;
}

/**
 * Loads systems with their facts in set-wise subqueries (one per related table) of one
 * statement, not Prisma's nested includes: 5,000 systems with 30 key-values each are
 * ~200,000 rows, and the nested form spent most of its time building objects we throw away.
 *
 * Each subquery gives all its rows in one value, built by PostgreSQL: a JSON array of
 * arrays (see tuples), or for the two big tables a string of separated fields (packedRows,
 * packedKeyValues). Row by row (pg's parser, Prisma's raw-result conversion, postgres-array
 * for text[]), the synthetic lab's 5,000 systems took Node ~510 ms of CPU on a cold start
 * and ~350 warm, on the one thread the cold start's other loads need too; now ~250 and ~170.
 */
export async function loadSystemRecords(db: Db, where?: Prisma.SystemWhereInput): Promise<SystemRecord[]> {
  const ids = where ? (await db.system.findMany({ where, select: { id: true } })).map((s) => s.id) : null;
  if (ids && ids.length === 0) return [];
  const q = new FactQueries(db, ids);
  const { systems, arches, cpus, disks, devices, keyValues, pools, majors, versions, keys } = await q.all();
  const intern = interner();
  const byId = new Map<number, Draft>();
  for (const row of systems) byId.set(row[0], draft());
  const each = <T extends readonly [number, ...unknown[]]>(rows: T[], add: (d: Draft, row: T) => void) => {
    for (const row of rows) {
      const d = byId.get(row[0]);
      if (d) add(d, row);
    }
  };
  each(arches, (d, r) => d.arches.push(intern(r[1])));
  each(cpus, (d, r) => (d.cpu = cpuFacts(r, intern)));
  each(disks, (d, r) => d.disks.push(diskFacts(r)));
  const numeric = new Set(keys.filter(([, , isNumeric]) => isNumeric).map(([, name]) => intern(name)));
  const keyNames = new Map(keys.map(([id, name]) => [id, intern(name)]));
  if (!unpackKeyValues(keyValues, keyNames, byId, intern)) {
    for (const d of byId.values()) d.keyValues = new Map();
    each(await q.keyValuesRowByRow(), (d, [, name, isNumeric, value]) => {
      const key = intern(name);
      if (isNumeric) numeric.add(key);
      const values = d.keyValues.get(key);
      d.keyValues.set(key, values ? [...values, value] : [value]);
    });
  }
  each(devices ?? (await q.devicesAsTuples()), (d, r) => d.devices.push(deviceFacts(r, intern)));
  each(pools, (d, r) => d.pools.push(intern(r[1])));
  each(majors, (d, r) => d.excluded.push({ arch: intern(r[1]), osMajor: intern(r[2]) }));
  each(versions, (d, r) => d.excluded.push({ arch: intern(r[1]), osMajor: intern(r[2]), osMinor: r[3] }));
  return systems.map((row) => systemRecord(row, byId.get(row[0]) as Draft, numeric));
}

type SystemRow = [
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

type CpuRow = [
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

type DiskRow = [
  systemId: number,
  model: string,
  size: number | string,
  sectorSize: number | null,
  physSectorSize: number | null,
];

type DeviceRow = [
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

interface Draft {
  arches: string[];
  cpu: CpuFacts | null;
  disks: DiskFacts[];
  devices: DeviceFacts[];
  keyValues: Map<string, readonly string[]>;
  pools: string[];
  excluded: ExclusionFacts[];
}

const draft = (): Draft => ({
  arches: [],
  cpu: null,
  disks: [],
  devices: [],
  keyValues: new Map(),
  pools: [],
  excluded: [],
});

/** Rows are read by index (SystemRow names them): destructuring 5,000 rows of 26 went through the iterator protocol until optimized, ~3 MB of garbage. */
function systemRecord(row: SystemRow, d: Draft, numericKeys: ReadonlySet<string>): SystemRecord {
  const id = row[0];
  const labFqdn = row[23];
  const lab = labFqdn !== null && !row[24];
  const powerType = row[25];
  const dateLastInventoried = row[18];
  return {
    id,
    ownerId: row[4],
    userId: row[5],
    loanedToId: row[6],
    labControllerId: lab ? row[7] : null,
    activeAccessPolicyId: row[8],
    modifiedAt: row[19],
    facts: {
      fqdn: row[1],
      type: row[2] as SystemFacts['type'],
      status: row[3] as SystemFacts['status'],
      labController: lab ? labFqdn : null,
      arches: d.arches,
      memory: row[9],
      numaNodes: row[10],
      vendor: row[11],
      model: row[12],
      location: row[13],
      serial: row[14],
      lender: row[15],
      powerType,
      hasPower: powerType !== null,
      hypervisor: row[16],
      owner: row[20],
      user: row[21],
      loanedTo: row[22],
      dateAdded: new Date(row[17]),
      dateLastInventoried: dateLastInventoried === null ? null : new Date(dateLastInventoried),
      cpu: d.cpu,
      disks: d.disks,
      devices: d.devices,
      keyValues: d.keyValues,
      numericKeys,
      pools: d.pools,
      excluded: d.excluded,
    },
  };
}

function cpuFacts(r: CpuRow, intern: (name: string) => string): CpuFacts {
  const speed = r[6];
  return {
    vendor: r[1],
    modelName: r[2],
    model: r[3],
    family: r[4],
    stepping: r[5],
    speed: speed === null ? null : float(speed),
    processors: r[7],
    cores: r[8],
    sockets: r[9],
    hyper: r[10],
    flags: (r[11] ?? []).map(intern),
  };
}

function diskFacts(r: DiskRow): DiskFacts {
  return { model: r[1], size: float(r[2]), sectorSize: r[3], physSectorSize: r[4] };
}

/** Interned: thousands of devices share a few vendors, drivers and descriptions. */
function deviceFacts(r: DeviceRow, intern: (text: string) => string): DeviceFacts {
  return {
    type: intern(r[8]),
    bus: intern(r[5]),
    driver: intern(r[6]),
    vendorId: intern(r[1]),
    deviceId: intern(r[2]),
    subsysVendorId: intern(r[3]),
    subsysDeviceId: intern(r[4]),
    description: intern(r[7]),
  };
}

/**
 * One copy of each distinct string: thousands of systems share a few arch, pool, key, flag
 * and device strings. The copy is in V8's string table, as the filter's strings are
 * (evaluate.ts), so comparing two of them is comparing pointers; and it is no slice of a
 * packed query result, which would keep that whole result alive.
 */
function interner(): (text: string) => string {
  const copies = new Map<string, string>();
  return (text) => {
    // A NULL element of a text[] (cpu flags) stays null, as it came.
    if (typeof text !== 'string') return text;
    let copy = copies.get(text);
    if (copy === undefined) {
      copy = internalize(text);
      copies.set(text, copy);
    }
    return copy;
  };
}

/** A timestamp(3) as milliseconds since the epoch, exactly (extract gives numeric). */
const epochMs = (column: string) => `extract(epoch FROM ${column}) * 1000`;

/** JSON has no NaN or infinities: PostgreSQL writes those float8 values as strings. */
const float = (value: number | string): number => (typeof value === 'string' ? Number(value) : value);

// ---------------------------------------------------------------------------------------
// Queries

/** Separates the fields of a packed row (see packedRows). */
const FIELD = '\x1f';
/** Separates packed rows. */
const ROW = '\x1e';

/** DeviceRow's columns. */
const DEVICE_COLUMNS =
  'system_id, vendor_id, device_id, subsys_vendor_id, subsys_device_id, bus, driver, description, device_class';

/** One key-value as `id FIELD system_id FIELD key_id FIELD value`, in key_value.id order. */
interface PackedKeyValues {
  rows: number;
  packed: string | null;
}

/** What one load reads, each table in one value (see FactQueries.all). */
interface Facts {
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
class FactQueries {
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
function unpackKeyValues(
  { rows, packed }: PackedKeyValues,
  keyNames: ReadonlyMap<number, string>,
  byId: ReadonlyMap<number, Draft>,
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
