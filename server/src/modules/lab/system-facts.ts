import type {
  CpuFacts,
  DeviceFacts,
  DiskFacts,
  ExclusionFacts,
  SystemFacts,
} from '../../../../common/src/host-filter/index.js';
import { intern as internalize } from '../../../../common/src/host-filter/evaluate.js';
import type { Db, Prisma } from '../../db/prisma.js';
import {
  FactQueries,
  unpackKeyValues,
  type CpuRow,
  type DeviceRow,
  type DiskRow,
  type SystemRow,
} from './system-facts-queries.js';

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

/** JSON has no NaN or infinities: PostgreSQL writes those float8 values as strings. */
const float = (value: number | string): number => (typeof value === 'string' ? Number(value) : value);
