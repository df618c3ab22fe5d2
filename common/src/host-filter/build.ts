/**
 * `<hostRequires>` elements → HostNode tree, per context (directly in `<hostRequires>`, in
 * `<system>`, `<cpu>`, `<disk>`), as Beaker's XmlHost and friends. The input has passed
 * checkHostRequires, so ops, units and numeric/date values are known to be valid here.
 * Leaves that constrain nothing (Beaker's `if value:` misses) become null and are dropped.
 */
import type { HostReqContext } from '../job-xml/hostreq-rules.js';
import { attr, elements, type XElement } from '../job-xml/xml-tree.js';
import type {
  DeviceCriterion,
  DeviceField,
  DiskNode,
  DiskNumberField,
  FilterOp,
  HostNode,
  ListField,
  NumberField,
  TextField,
} from './types.js';
import { isUnit, parseBool, parseDay, parseNumber, UNIT_BYTES, type Unit } from './units.js';

export interface BuildReport {
  warn(el: XElement, message: string): void;
}

type Build = (el: XElement, report: BuildReport) => HostNode | null;
type DiskBuild = (el: XElement) => DiskNode | null;
type LogicKind = 'and' | 'or' | 'not';

const opOf = (el: XElement): FilterOp => (attr(el, 'op') ?? '==') as FilterOp;
const isEquality = (op: FilterOp) => op === '=' || op === '==';

function unitsOf(el: XElement): Unit | undefined {
  const units = attr(el, 'units');
  return units !== undefined && isUnit(units) ? units : undefined;
}

/** A number leaf's value (scaled to bytes when the element takes units), or undefined. */
function numberValue(el: XElement, withUnits: boolean): { value: number; units?: Unit } | undefined {
  const value = parseNumber(attr(el, 'value') ?? '');
  if (value === undefined) return undefined;
  const units = withUnits ? unitsOf(el) : undefined;
  return units === undefined ? { value } : { value: value * UNIT_BYTES[units], units };
}

// ---------------------------------------------------------------------------------------
// Leaves

const text =
  (field: TextField): Build =>
  (el) => {
    const value = attr(el, 'value');
    return value ? { kind: 'text', field, op: opOf(el), value } : null;
  };

/** Beaker coalesces a missing hypervisor to '', so `value=""` (or no value) means bare metal. */
const hypervisor: Build = (el) => ({
  kind: 'text',
  field: 'hypervisor',
  op: opOf(el),
  value: attr(el, 'value') ?? '',
});

const number =
  (field: NumberField, withUnits = false): Build =>
  (el) => {
    const parsed = numberValue(el, withUnits);
    return parsed ? { kind: 'number', field, op: opOf(el), ...parsed } : null;
  };

const list =
  (field: ListField): Build =>
  (el) => {
    const value = attr(el, 'value');
    return value ? { kind: 'list', field, op: opOf(el), value } : null;
  };

const pool: Build = (el) => {
  const value = attr(el, 'value');
  if (value) return { kind: 'list', field: 'pool', op: opOf(el), value };
  return { kind: 'pools', inAny: opOf(el) === '!=' };
};

const added: Build = (el) => {
  const day = parseDay(attr(el, 'value') ?? '');
  return day === undefined ? null : { kind: 'date', field: 'added', op: opOf(el), day };
};

const lastInventoried: Build = (el) => {
  const value = attr(el, 'value') ?? '';
  const op = opOf(el);
  if (value === '') {
    if (isEquality(op)) return { kind: 'inventoried', inventoried: false };
    if (op === '!=') return { kind: 'inventoried', inventoried: true };
    return { kind: 'never', why: `last_inventoried ${op} "" compares with nothing` };
  }
  const day = parseDay(value);
  return day === undefined ? null : { kind: 'date', field: 'lastInventoried', op, day };
};

const hyper: Build = (el) => ({ kind: 'hyper', value: parseBool(attr(el, 'value') ?? '') });

const DEVICE_ATTRIBUTES: Readonly<Record<string, DeviceField>> = {
  type: 'type',
  bus: 'bus',
  driver: 'driver',
  vendor_id: 'vendorId',
  device_id: 'deviceId',
  subsys_vendor_id: 'subsysVendorId',
  subsys_device_id: 'subsysDeviceId',
  description: 'description',
};

const device: Build = (el) => {
  const criteria: DeviceCriterion[] = [];
  for (const [name, field] of Object.entries(DEVICE_ATTRIBUTES)) {
    const value = attr(el, name);
    if (value) criteria.push({ field, value });
  }
  if (criteria.length === 0) return null;
  const op = opOf(el);
  return { kind: 'device', op, negate: op === '!=', criteria };
};

const keyValue: Build = (el, report) => {
  const key = attr(el, 'key');
  if (!key) {
    report.warn(el, '<key_value> without a key attribute constrains nothing');
    return null;
  }
  const op = opOf(el);
  const value = attr(el, 'value');
  // Beaker: any op but =, == and != without a value "makes no sense, discard".
  if (!isEquality(op) && op !== '!=' && !value) return null;
  return value === undefined ? { kind: 'keyValue', key, op } : { kind: 'keyValue', key, op, value };
};

/** Deviation: Beaker applies the filter for any non-empty value, "false" included. */
const autoProv: Build = (el) => {
  const value = attr(el, 'value');
  return value && !/^\s*(false|0)\s*$/i.test(value) ? { kind: 'autoProv' } : null;
};

const compatible: Build = (el) => {
  const arch = attr(el, 'arch');
  const osMajor = attr(el, 'osmajor');
  if (!arch || !osMajor) {
    return { kind: 'never', why: 'compatible_with_distro needs both arch and osmajor' };
  }
  const osMinor = attr(el, 'osminor');
  return osMinor ? { kind: 'compatible', arch, osMajor, osMinor } : { kind: 'compatible', arch, osMajor };
};

// ---------------------------------------------------------------------------------------
// Containers

function combine(kind: LogicKind, children: HostNode[]): HostNode | null {
  if (children.length === 0) return null;
  if (kind !== 'not' && children.length === 1) return children[0] as HostNode;
  return { kind, children };
}

function buildChildren(el: XElement, context: HostContext, report: BuildReport): HostNode[] {
  const nodes: HostNode[] = [];
  for (const child of elements(el)) {
    const node = buildNode(child, context, report);
    if (node) nodes.push(node);
  }
  return nodes;
}

const logic =
  (kind: LogicKind, context: HostContext): Build =>
  (el, report) =>
    combine(kind, buildChildren(el, context, report));

const disk: Build = (el) => ({ kind: 'disk', match: buildDiskLogic('and', el) });

type HostContext = Exclude<HostReqContext, 'disk'>;

const logicOf = (context: HostContext) => ({
  and: logic('and', context),
  or: logic('or', context),
  not: logic('not', context),
});

const BUILDERS: Readonly<Record<HostContext, Readonly<Record<string, Build>>>> = {
  host: {
    ...logicOf('host'),
    labcontroller: text('labController'),
    hostlabcontroller: text('labController'),
    host: text('fqdn'),
    hostname: text('fqdn'),
    system_type: text('type'),
    memory: number('memory'),
    cpu_count: number('cpuProcessors'),
    numa_node_count: number('numaNodes'),
    arch: list('arch'),
    hypervisor,
    auto_prov: autoProv,
    device,
    disk,
    diskspace: number('diskSpace', true),
    diskcount: number('diskCount'),
    group: pool,
    pool,
    key_value: keyValue,
    cpu: logic('and', 'cpu'),
    system: logic('and', 'system'),
  },
  system: {
    ...logicOf('system'),
    name: text('fqdn'),
    lender: text('lender'),
    model: text('model'),
    vendor: text('vendor'),
    added,
    last_inventoried: lastInventoried,
    arch: list('arch'),
    memory: number('memory'),
    numanodes: number('numaNodes'),
    owner: text('owner'),
    user: text('user'),
    loaned: text('loanedTo'),
    location: text('location'),
    powertype: text('powerType'),
    serial: text('serial'),
    hypervisor,
    status: text('status'),
    type: text('type'),
    compatible_with_distro: compatible,
  },
  cpu: {
    ...logicOf('cpu'),
    cores: number('cpuCores'),
    family: number('cpuFamily'),
    hyper,
    model: number('cpuModel'),
    model_name: text('cpuModelName'),
    processors: number('cpuProcessors'),
    sockets: number('cpuSockets'),
    speed: number('cpuSpeed'),
    stepping: number('cpuStepping'),
    vendor: text('cpuVendor'),
    flag: list('cpuFlag'),
  },
};

/** One element in its context. Unknown elements act like `<and>` in the same context, as in Beaker. */
export function buildNode(el: XElement, context: HostContext, report: BuildReport): HostNode | null {
  const build = BUILDERS[context][el.name];
  return build ? build(el, report) : combine('and', buildChildren(el, context, report));
}

/** The children of `<hostRequires>` (or of a bare fragment) as one `and`. */
export function buildRoot(el: XElement, report: BuildReport): HostNode {
  const children = buildChildren(el, 'host', report);
  return children.length === 1 ? (children[0] as HostNode) : { kind: 'and', children };
}

// ---------------------------------------------------------------------------------------
// Inside <disk>

const diskNumber =
  (field: DiskNumberField): DiskBuild =>
  (el) => {
    const parsed = numberValue(el, true);
    return parsed ? { kind: 'diskNumber', field, op: opOf(el), ...parsed } : null;
  };

const DISK_BUILDERS: Readonly<Record<string, DiskBuild>> = {
  and: (el) => buildDiskLogic('and', el),
  or: (el) => buildDiskLogic('or', el),
  not: (el) => buildDiskLogic('not', el),
  model: (el) => {
    const value = attr(el, 'value');
    return value ? { kind: 'diskModel', op: opOf(el), value } : null;
  },
  size: diskNumber('size'),
  sector_size: diskNumber('sectorSize'),
  phys_sector_size: diskNumber('physSectorSize'),
};

function buildDiskLogic(kind: LogicKind, el: XElement): DiskNode | null {
  const children: DiskNode[] = [];
  for (const child of elements(el)) {
    const build = DISK_BUILDERS[child.name] ?? ((unknown: XElement) => buildDiskLogic('and', unknown));
    const node = build(child);
    if (node) children.push(node);
  }
  if (children.length === 0) return null;
  if (kind !== 'not' && children.length === 1) return children[0] as DiskNode;
  return { kind, children };
}

/** The element names the builders know, per context (checked against HOSTREQ_RULES by a test). */
export const BUILT_ELEMENTS: Readonly<Record<HostReqContext, readonly string[]>> = {
  host: Object.keys(BUILDERS.host),
  system: Object.keys(BUILDERS.system),
  cpu: Object.keys(BUILDERS.cpu),
  disk: Object.keys(DISK_BUILDERS),
};
