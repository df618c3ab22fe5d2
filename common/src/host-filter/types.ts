/**
 * The host filter engine's data: what one system looks like to a filter (`SystemFacts`),
 * and the filter itself (`HostFilter`, a tree of `HostNode`s parsed once from
 * `<hostRequires>`). Both are plain data: no classes, no I/O, safe to keep in an index.
 */
import type { FilterOp } from '../job-xml/types.js';
import type { Unit } from './units.js';

export type { FilterOp };

// ---------------------------------------------------------------------------------------
// Facts

/** Beaker's system types, plus `Virtual` for guests (Beaker's `GuestRecipe.systemtype`). */
export type SystemKind = 'Machine' | 'Laptop' | 'Prototype' | 'Resource' | 'Virtual';
export type SystemStatusName = 'Automated' | 'Manual' | 'Broken' | 'Removed';

export interface CpuFacts {
  vendor: string;
  modelName: string;
  model: number | null;
  family: number | null;
  stepping: number | null;
  /** MHz. */
  speed: number | null;
  processors: number | null;
  cores: number | null;
  sockets: number | null;
  hyper: boolean;
  flags: readonly string[];
}

export interface DiskFacts {
  model: string;
  /** Bytes (a BigInt column; every real disk fits a double exactly). */
  size: number;
  sectorSize: number | null;
  physSectorSize: number | null;
}

export interface DeviceFacts {
  /** The device class, e.g. NETWORK, STORAGE, VIDEO. */
  type: string;
  bus: string;
  driver: string;
  vendorId: string;
  deviceId: string;
  subsysVendorId: string;
  subsysDeviceId: string;
  description: string;
}

/**
 * An "excluded family" of the system: `osMinor` absent = the whole OS major is excluded on
 * that arch (ExcludedOsMajor), present = one OS version (ExcludedOsVersion).
 */
export interface ExclusionFacts {
  arch: string;
  osMajor: string;
  osMinor?: string;
}

/**
 * One system as the filter sees it. The scheduler's index and the API build these from the
 * database; strings may be shared between systems (arch, pool, flag and key names), and
 * `numericKeys` is normally one Set shared by every system.
 */
export interface SystemFacts {
  fqdn: string;
  type: SystemKind;
  status: SystemStatusName;
  /** FQDN of the system's lab controller; null when it has none. */
  labController: string | null;
  arches: readonly string[];
  /** MB. */
  memory: number | null;
  numaNodes: number | null;
  vendor: string;
  model: string;
  location: string;
  serial: string;
  lender: string;
  /** Power script name; null when the system has no power configuration. */
  powerType: string | null;
  hasPower: boolean;
  /** KVM, Xen, HyperV, VMWare; null or '' = bare metal. */
  hypervisor: string | null;
  /** User names. */
  owner: string;
  user: string | null;
  loanedTo: string | null;
  dateAdded: Date;
  dateLastInventoried: Date | null;
  cpu: CpuFacts | null;
  disks: readonly DiskFacts[];
  devices: readonly DeviceFacts[];
  /** Legacy key-values: key name → the system's values for it (a key may repeat). */
  keyValues: ReadonlyMap<string, readonly string[]>;
  /** Names of the keys whose values compare as integers (Key.numeric). */
  numericKeys: ReadonlySet<string>;
  /** Names of the pools the system is a member of. */
  pools: readonly string[];
  excluded: readonly ExclusionFacts[];
}

// ---------------------------------------------------------------------------------------
// The filter

export type TextField =
  | 'fqdn'
  | 'type'
  | 'status'
  | 'labController'
  | 'vendor'
  | 'model'
  | 'location'
  | 'serial'
  | 'lender'
  | 'powerType'
  | 'hypervisor'
  | 'owner'
  | 'user'
  | 'loanedTo'
  | 'cpuVendor'
  | 'cpuModelName';

export type NumberField =
  | 'memory'
  | 'numaNodes'
  | 'cpuCores'
  | 'cpuFamily'
  | 'cpuModel'
  | 'cpuProcessors'
  | 'cpuSockets'
  | 'cpuSpeed'
  | 'cpuStepping'
  | 'diskSpace'
  | 'diskCount';

/** Multi-valued fields: every op but `!=` asks for some entry; `!=` asks that none be equal. */
export type ListField = 'arch' | 'pool' | 'cpuFlag';
export type DateField = 'added' | 'lastInventoried';
export type DeviceField = keyof DeviceFacts;
export type DiskNumberField = 'size' | 'sectorSize' | 'physSectorSize';

/** One node of a parsed `<hostRequires>`. Leaves that constrain nothing are left out at parse time. */
export type HostNode =
  | { kind: 'and' | 'or' | 'not'; children: HostNode[] }
  /** `implicit`: added by withImplicitSystemType, not written by the user. */
  | { kind: 'text'; field: TextField; op: FilterOp; value: string; implicit?: true }
  /** `value` in the field's unit (bytes for diskspace); `units` as written, for messages. */
  | { kind: 'number'; field: NumberField; op: FilterOp; value: number; units?: Unit }
  | { kind: 'list'; field: ListField; op: FilterOp; value: string }
  /** `<pool value="">`: `inAny` false ⇒ the system is in no pool, true ⇒ in at least one. */
  | { kind: 'pools'; inAny: boolean }
  /** `day`: whole days since 1970-01-01 (UTC). */
  | { kind: 'date'; field: DateField; op: FilterOp; day: number }
  /** `<last_inventoried value="">`: `=` ⇒ never inventoried, `!=` ⇒ inventoried. */
  | { kind: 'inventoried'; inventoried: boolean }
  | { kind: 'hyper'; value: boolean }
  /** `negate` (`op="!="`): no device matches every criterion; otherwise some device does. */
  | { kind: 'device'; op: FilterOp; negate: boolean; criteria: DeviceCriterion[] }
  /** Some single disk satisfies `match`; `match` null: the system has at least one disk. */
  | { kind: 'disk'; match: DiskNode | null }
  /** `value` absent: `==`/`=` ⇒ has the key, `!=` ⇒ lacks it. */
  | { kind: 'keyValue'; key: string; op: FilterOp; value?: string }
  | { kind: 'autoProv' }
  | { kind: 'compatible'; arch: string; osMajor: string; osMinor?: string }
  /** Matches no system (e.g. `<compatible_with_distro>` without arch); `why` is shown by explain. */
  | { kind: 'never'; why: string };

export interface DeviceCriterion {
  field: DeviceField;
  value: string;
}

/** Criteria on one disk, inside `<disk>`. */
export type DiskNode =
  | { kind: 'and' | 'or' | 'not'; children: DiskNode[] }
  | { kind: 'diskModel'; op: FilterOp; value: string }
  | { kind: 'diskNumber'; field: DiskNumberField; op: FilterOp; value: number; units?: Unit };

/** A parsed `<hostRequires>`. */
export interface HostFilter {
  /** The predicate; an `and` without children matches every system. */
  readonly root: HostNode;
  /**
   * `<hostRequires force="fqdn">`: `root` is then `fqdn = force` and nothing else. The
   * scheduler applies Beaker's rules for forced systems (any status but Removed, and the
   * owner must be allowed to reserve it); the filter only picks the system by name.
   */
  readonly force?: string;
  /**
   * Beaker's test for "the filter names a system type" (then no implicit type is added):
   * a `<system_type>` element anywhere, or a `<type>` directly inside a `<system>`.
   */
  readonly namesSystemType: boolean;
}
