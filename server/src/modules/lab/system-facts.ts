import type { SystemFacts } from '../../../../common/src/host-filter/index.js';
import type { Db, Prisma } from '../../db/prisma.js';

const factsInclude = {
  owner: { select: { username: true } },
  user: { select: { username: true } },
  loanedTo: { select: { username: true } },
  labController: { select: { fqdn: true, removedAt: true } },
  arches: { select: { arch: { select: { name: true } } } },
  cpu: true,
  disks: true,
  devices: true,
  keyValues: { select: { value: true, key: { select: { name: true } } } },
  power: { select: { powerType: true } },
  pools: { select: { pool: { select: { name: true } } } },
  excludedOsMajors: { select: { arch: { select: { name: true } }, osMajor: { select: { name: true } } } },
  excludedOsVersions: {
    select: {
      arch: { select: { name: true } },
      osVersion: { select: { osMinor: true, osMajor: { select: { name: true } } } },
    },
  },
} satisfies Prisma.SystemInclude;

type SystemRow = Prisma.SystemGetPayload<{ include: typeof factsInclude }>;

/**
 * Loads systems as the host filter engine sees them. One query with its relations; the
 * numeric-key set is shared by every system, as the scheduler's index will share it.
 */
export async function loadSystemFacts(db: Db, where: Prisma.SystemWhereInput = {}): Promise<SystemFacts[]> {
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
  facts: SystemFacts;
}

export async function loadSystemRecords(
  db: Db,
  where: Prisma.SystemWhereInput = {},
): Promise<SystemRecord[]> {
  const [rows, numericKeys] = await Promise.all([
    db.system.findMany({ where, include: factsInclude, orderBy: { fqdn: 'asc' } }),
    db.key.findMany({ where: { numeric: true }, select: { name: true } }),
  ]);
  const numeric: ReadonlySet<string> = new Set(numericKeys.map((k) => k.name));
  return rows.map((row) => ({
    id: row.id,
    ownerId: row.ownerId,
    userId: row.userId,
    loanedToId: row.loanedToId,
    labControllerId: row.labController && !row.labController.removedAt ? row.labControllerId : null,
    activeAccessPolicyId: row.activeAccessPolicyId,
    facts: toFacts(row, numeric),
  }));
}

function toFacts(row: SystemRow, numericKeys: ReadonlySet<string>): SystemFacts {
  const keyValues = new Map<string, string[]>();
  for (const { key, value } of row.keyValues)
    keyValues.set(key.name, [...(keyValues.get(key.name) ?? []), value]);
  return {
    fqdn: row.fqdn,
    type: row.type,
    status: row.status,
    labController: row.labController && !row.labController.removedAt ? row.labController.fqdn : null,
    arches: row.arches.map((a) => a.arch.name),
    memory: row.memory,
    numaNodes: row.numaNodes,
    vendor: row.vendor,
    model: row.model,
    location: row.location,
    serial: row.serial,
    lender: row.lender,
    powerType: row.power?.powerType ?? null,
    hasPower: row.power !== null,
    hypervisor: row.hypervisor,
    owner: row.owner.username,
    user: row.user?.username ?? null,
    loanedTo: row.loanedTo?.username ?? null,
    dateAdded: row.dateAdded,
    dateLastInventoried: row.dateLastInventoried,
    cpu: row.cpu
      ? {
          vendor: row.cpu.vendor,
          modelName: row.cpu.modelName,
          model: row.cpu.model,
          family: row.cpu.family,
          stepping: row.cpu.stepping,
          speed: row.cpu.speed,
          processors: row.cpu.processors,
          cores: row.cpu.cores,
          sockets: row.cpu.sockets,
          hyper: row.cpu.hyper,
          flags: row.cpu.flags,
        }
      : null,
    disks: row.disks.map((d) => ({
      model: d.model,
      size: Number(d.size),
      sectorSize: d.sectorSize,
      physSectorSize: d.physSectorSize,
    })),
    devices: row.devices.map((d) => ({
      type: d.deviceClass,
      bus: d.bus,
      driver: d.driver,
      vendorId: d.vendorId,
      deviceId: d.deviceId,
      subsysVendorId: d.subsysVendorId,
      subsysDeviceId: d.subsysDeviceId,
      description: d.description,
    })),
    keyValues,
    numericKeys,
    pools: row.pools.map((p) => p.pool.name),
    excluded: [
      ...row.excludedOsMajors.map((e) => ({ arch: e.arch.name, osMajor: e.osMajor.name })),
      ...row.excludedOsVersions.map((e) => ({
        arch: e.arch.name,
        osMajor: e.osVersion.osMajor.name,
        osMinor: e.osVersion.osMinor,
      })),
    ],
  };
}
