import type {
  CpuFacts,
  DeviceFacts,
  DiskFacts,
  ExclusionFacts,
  SystemFacts,
} from '../../../../common/src/host-filter/index.js';
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
 * Loads systems with their facts in nine set-wise queries (one per related table), not
 * Prisma's nested includes: 5,000 systems with 30 key-values each are ~200,000 rows, and
 * the nested form spent most of its time building objects we throw away.
 */
export async function loadSystemRecords(db: Db, where?: Prisma.SystemWhereInput): Promise<SystemRecord[]> {
  const ids = where ? (await db.system.findMany({ where, select: { id: true } })).map((s) => s.id) : null;
  if (ids && ids.length === 0) return [];
  // $1 is the id list, or null for every system.
  const scope = (column: string) => `($1::int[] IS NULL OR ${column} = ANY($1::int[]))`;
  const q = <T>(sql: string) => db.$queryRawUnsafe<T[]>(sql, ids);
  // Versions first, facts after: the facts are never older than the version stored with them,
  // so an edit racing this load shows as a newer date_modified to the scheduler's sweep.
  const modified = new Map(
    (
      await q<{ id: number; date_modified: Date }>(
        `SELECT id, date_modified FROM system WHERE ${scope('id')}`,
      )
    ).map((v) => [v.id, v.date_modified.getTime()]),
  );
  const [systems, arches, cpus, disks, devices, keyValues, pools, majors, versions, numericKeys] =
    await Promise.all([
      q<SystemRow>(
        `SELECT s.id, s.fqdn, s.type::text AS type, s.status::text AS status, s.owner_id, s.user_id, s.loaned_to_id,
              s.lab_controller_id, s.active_access_policy_id, s.memory, s.numa_nodes, s.vendor, s.model, s.location,
              s.serial, s.lender, s.hypervisor::text AS hypervisor, s.date_added, s.date_last_inventoried,
              s.date_modified, o.username AS owner, u.username AS "user", l.username AS loaned_to,
              lc.fqdn AS lab_fqdn, lc.removed_at AS lab_removed_at, p.power_type
         FROM system s
         JOIN user_account o ON o.id = s.owner_id
         LEFT JOIN user_account u ON u.id = s.user_id
         LEFT JOIN user_account l ON l.id = s.loaned_to_id
         LEFT JOIN lab_controller lc ON lc.id = s.lab_controller_id
         LEFT JOIN power p ON p.system_id = s.id
        WHERE ${scope('s.id')} ORDER BY s.fqdn`,
      ),
      q<{ system_id: number; name: string }>(
        `SELECT sa.system_id, a.name FROM system_arch sa JOIN arch a ON a.id = sa.arch_id WHERE ${scope('sa.system_id')}`,
      ),
      q<CpuRow>(`SELECT * FROM cpu WHERE ${scope('system_id')}`),
      q<DiskRow>(
        `SELECT system_id, model, size::float8 AS size, sector_size, phys_sector_size FROM disk
        WHERE ${scope('system_id')} ORDER BY id`,
      ),
      q<DeviceRow>(`SELECT * FROM device WHERE ${scope('system_id')} ORDER BY id`),
      // Aggregated per system: 150,000 rows cost far more to decode one by one than 5,000.
      q<{ system_id: number; names: string[]; vals: string[] }>(
        `SELECT kv.system_id, array_agg(k.name ORDER BY kv.id) AS names, array_agg(kv.value ORDER BY kv.id) AS vals
           FROM key_value kv JOIN key k ON k.id = kv.key_id
          WHERE ${scope('kv.system_id')} GROUP BY kv.system_id`,
      ),
      q<{ system_id: number; name: string }>(
        `SELECT m.system_id, p.name FROM system_pool_member m JOIN pool p ON p.id = m.pool_id
        WHERE ${scope('m.system_id')} ORDER BY p.name`,
      ),
      q<{ system_id: number; arch: string; os_major: string }>(
        `SELECT e.system_id, a.name AS arch, om.name AS os_major FROM excluded_os_major e
         JOIN arch a ON a.id = e.arch_id JOIN os_major om ON om.id = e.os_major_id WHERE ${scope('e.system_id')}`,
      ),
      q<{ system_id: number; arch: string; os_major: string; os_minor: string }>(
        `SELECT e.system_id, a.name AS arch, om.name AS os_major, ov.os_minor FROM excluded_os_version e
         JOIN arch a ON a.id = e.arch_id JOIN os_version ov ON ov.id = e.os_version_id
         JOIN os_major om ON om.id = ov.os_major_id WHERE ${scope('e.system_id')}`,
      ),
      db.key.findMany({ where: { numeric: true }, select: { name: true } }),
    ]);
  const numeric: ReadonlySet<string> = new Set(numericKeys.map((k) => k.name));
  // Interned names: thousands of systems share a few arch, pool, key and flag strings.
  const names = new Map<string, string>();
  const intern = (name: string) => names.get(name) ?? (names.set(name, name), name);
  const byId = new Map<number, Draft>();
  for (const row of systems) byId.set(row.id, draft());
  const each = <T extends { system_id: number }>(rows: T[], add: (d: Draft, row: T) => void) => {
    for (const row of rows) {
      const d = byId.get(row.system_id);
      if (d) add(d, row);
    }
  };
  each(arches, (d, r) => d.arches.push(intern(r.name)));
  each(cpus, (d, r) => (d.cpu = cpuFacts(r, intern)));
  each(disks, (d, r) =>
    d.disks.push({
      model: r.model,
      size: r.size,
      sectorSize: r.sector_size,
      physSectorSize: r.phys_sector_size,
    }),
  );
  each(devices, (d, r) => d.devices.push(deviceFacts(r)));
  each(keyValues, (d, r) => {
    r.names.forEach((name, i) => {
      const key = intern(name);
      const value = r.vals[i] as string;
      const values = d.keyValues.get(key);
      if (values) values.push(value);
      else d.keyValues.set(key, [value]);
    });
  });
  each(pools, (d, r) => d.pools.push(intern(r.name)));
  each(majors, (d, r) => d.excluded.push({ arch: intern(r.arch), osMajor: intern(r.os_major) }));
  each(versions, (d, r) =>
    d.excluded.push({ arch: intern(r.arch), osMajor: intern(r.os_major), osMinor: r.os_minor }),
  );
  return systems.map((row) => {
    const d = byId.get(row.id) as Draft;
    const lab = row.lab_fqdn !== null && row.lab_removed_at === null;
    return {
      id: row.id,
      ownerId: row.owner_id,
      userId: row.user_id,
      loanedToId: row.loaned_to_id,
      labControllerId: lab ? row.lab_controller_id : null,
      activeAccessPolicyId: row.active_access_policy_id,
      modifiedAt: modified.get(row.id) ?? row.date_modified.getTime(),
      facts: {
        fqdn: row.fqdn,
        type: row.type as SystemFacts['type'],
        status: row.status as SystemFacts['status'],
        labController: lab ? row.lab_fqdn : null,
        arches: d.arches,
        memory: row.memory,
        numaNodes: row.numa_nodes,
        vendor: row.vendor,
        model: row.model,
        location: row.location,
        serial: row.serial,
        lender: row.lender,
        powerType: row.power_type,
        hasPower: row.power_type !== null,
        hypervisor: row.hypervisor,
        owner: row.owner,
        user: row.user,
        loanedTo: row.loaned_to,
        dateAdded: row.date_added,
        dateLastInventoried: row.date_last_inventoried,
        cpu: d.cpu,
        disks: d.disks,
        devices: d.devices,
        keyValues: d.keyValues,
        numericKeys: numeric,
        pools: d.pools,
        excluded: d.excluded,
      },
    };
  });
}

interface SystemRow {
  id: number;
  fqdn: string;
  type: string;
  status: string;
  owner_id: number;
  user_id: number | null;
  loaned_to_id: number | null;
  lab_controller_id: number | null;
  active_access_policy_id: number | null;
  memory: number | null;
  numa_nodes: number | null;
  vendor: string;
  model: string;
  location: string;
  serial: string;
  lender: string;
  hypervisor: string | null;
  date_added: Date;
  date_last_inventoried: Date | null;
  date_modified: Date;
  owner: string;
  user: string | null;
  loaned_to: string | null;
  lab_fqdn: string | null;
  lab_removed_at: Date | null;
  power_type: string | null;
}

interface CpuRow {
  system_id: number;
  vendor: string;
  model_name: string;
  model: number | null;
  family: number | null;
  stepping: number | null;
  speed: number | null;
  processors: number | null;
  cores: number | null;
  sockets: number | null;
  hyper: boolean;
  flags: string[] | null;
}

interface DiskRow {
  system_id: number;
  model: string;
  size: number;
  sector_size: number | null;
  phys_sector_size: number | null;
}

interface DeviceRow {
  system_id: number;
  vendor_id: string;
  device_id: string;
  subsys_vendor_id: string;
  subsys_device_id: string;
  bus: string;
  driver: string;
  description: string;
  device_class: string;
}

interface Draft {
  arches: string[];
  cpu: CpuFacts | null;
  disks: DiskFacts[];
  devices: DeviceFacts[];
  keyValues: Map<string, string[]>;
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

function cpuFacts(r: CpuRow, intern: (name: string) => string): CpuFacts {
  return {
    vendor: r.vendor,
    modelName: r.model_name,
    model: r.model,
    family: r.family,
    stepping: r.stepping,
    speed: r.speed,
    processors: r.processors,
    cores: r.cores,
    sockets: r.sockets,
    hyper: r.hyper,
    flags: (r.flags ?? []).map(intern),
  };
}

function deviceFacts(r: DeviceRow): DeviceFacts {
  return {
    type: r.device_class,
    bus: r.bus,
    driver: r.driver,
    vendorId: r.vendor_id,
    deviceId: r.device_id,
    subsysVendorId: r.subsys_vendor_id,
    subsysDeviceId: r.subsys_device_id,
    description: r.description,
  };
}
