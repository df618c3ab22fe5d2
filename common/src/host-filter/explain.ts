/**
 * Why a system does not match: the first failing predicate, as a stable `predicate` (the
 * filter text, for grouping many systems) and a short `reason` with the system's own value
 * (`memory 4096 < 8192`, `no device with driver=e1000e`, `key_value HVM missing`).
 * Truth values always come from the compiled predicates, so explain never disagrees with
 * matchesHost; this module only words the answer.
 */
import { compileNode } from './evaluate.js';
import { LIST_FIELDS, NUMBER_FIELDS, TEXT_FIELDS } from './fields.js';
import type {
  DeviceField,
  DiskNode,
  FilterOp,
  HostFilter,
  HostNode,
  ListField,
  NumberField,
  SystemFacts,
  TextField,
} from './types.js';
import { dayNumber, formatBytes, formatDay } from './units.js';

export interface HostMismatch {
  /** The failing part of the filter, the same for every system it rejects: `memory >= 8192`. */
  predicate: string;
  /** The same with this system's value: `memory 4096 < 8192`. */
  reason: string;
}

/** The reason a system does not match, or undefined when it does. */
export function explainHost(filter: HostFilter, facts: SystemFacts): string | undefined {
  return explainHostDetail(filter, facts)?.reason;
}

export function explainHostDetail(filter: HostFilter, facts: SystemFacts): HostMismatch | undefined {
  return compileNode(filter.root)(facts) ? undefined : mismatch(filter.root, facts);
}

const TEXT_LABELS: Readonly<Record<TextField, string>> = {
  fqdn: 'name',
  type: 'type',
  status: 'status',
  labController: 'labcontroller',
  vendor: 'vendor',
  model: 'model',
  location: 'location',
  serial: 'serial',
  lender: 'lender',
  powerType: 'powertype',
  hypervisor: 'hypervisor',
  owner: 'owner',
  user: 'user',
  loanedTo: 'loaned',
  cpuVendor: 'cpu/vendor',
  cpuModelName: 'cpu/model_name',
};

const NUMBER_LABELS: Readonly<Record<NumberField, string>> = {
  memory: 'memory',
  numaNodes: 'numanodes',
  cpuCores: 'cpu/cores',
  cpuFamily: 'cpu/family',
  cpuModel: 'cpu/model',
  cpuProcessors: 'cpu/processors',
  cpuSockets: 'cpu/sockets',
  cpuSpeed: 'cpu/speed',
  cpuStepping: 'cpu/stepping',
  diskSpace: 'diskspace',
  diskCount: 'diskcount',
};

const LIST_LABELS: Readonly<Record<ListField, string>> = { arch: 'arch', pool: 'pool', cpuFlag: 'cpu/flag' };

const DEVICE_ATTRIBUTES: Readonly<Record<DeviceField, string>> = {
  type: 'type',
  bus: 'bus',
  driver: 'driver',
  vendorId: 'vendor_id',
  deviceId: 'device_id',
  subsysVendorId: 'subsys_vendor_id',
  subsysDeviceId: 'subsys_device_id',
  description: 'description',
};

/** What the actual value is when `op` fails. */
const FAILED: Readonly<Record<FilterOp, string>> = {
  '=': '!=',
  '==': '!=',
  '!=': '=',
  like: 'not like',
  '<': '>=',
  '<=': '>',
  '>': '<=',
  '>=': '<',
};

const show = (value: string): string => (value === '' || /\s/.test(value) ? JSON.stringify(value) : value);
const showOp = (op: FilterOp): string => (op === '==' ? '=' : op);

// ---------------------------------------------------------------------------------------
// The filter as text

export function describeNode(node: HostNode): string {
  switch (node.kind) {
    case 'and':
    case 'or':
      return node.children.map(describeChild).join(` ${node.kind} `);
    case 'not':
      return `not (${node.children.map(describeChild).join(' and ')})`;
    case 'text':
      return `${TEXT_LABELS[node.field]} ${showOp(node.op)} ${show(node.value)}${node.implicit ? ' (implicit)' : ''}`;
    case 'number':
      return `${NUMBER_LABELS[node.field]} ${showOp(node.op)} ${formatBytes(node.value, node.units)}`;
    case 'list':
      return `${LIST_LABELS[node.field]} ${showOp(node.op)} ${show(node.value)}`;
    case 'pools':
      return node.inAny ? 'pool != ""' : 'pool = ""';
    case 'date':
      return `${node.field === 'added' ? 'added' : 'last_inventoried'} ${showOp(node.op)} ${formatDay(node.day)}`;
    case 'inventoried':
      return node.inventoried ? 'last_inventoried != ""' : 'last_inventoried = ""';
    case 'hyper':
      return `cpu/hyper = ${node.value}`;
    case 'device':
      return `${node.negate ? 'no device' : 'device'} with ${deviceCriteria(node)}`;
    case 'disk':
      return node.match === null ? 'disk' : `disk with ${describeDisk(node.match)}`;
    case 'keyValue':
      if (node.value === undefined) return `key_value ${node.key} ${node.op === '!=' ? 'absent' : 'present'}`;
      return `key_value ${node.key} ${showOp(node.op)} ${show(node.value)}`;
    case 'autoProv':
      return 'auto_prov';
    case 'compatible':
      return `compatible_with_distro ${node.arch} ${node.osMajor}${node.osMinor === undefined ? '' : `.${node.osMinor}`}`;
    case 'never':
      return node.why;
  }
}

const describeChild = (node: HostNode): string =>
  node.kind === 'and' || node.kind === 'or' ? `(${describeNode(node)})` : describeNode(node);

function deviceCriteria(node: Extract<HostNode, { kind: 'device' }>): string {
  const separator = node.op === 'like' ? ' like ' : '=';
  return node.criteria.map((c) => `${DEVICE_ATTRIBUTES[c.field]}${separator}${c.value}`).join(' ');
}

export function describeDisk(node: DiskNode): string {
  switch (node.kind) {
    case 'and':
    case 'or':
      return node.children
        .map((c) => (c.kind === 'and' || c.kind === 'or' ? `(${describeDisk(c)})` : describeDisk(c)))
        .join(` ${node.kind} `);
    case 'not':
      return `not (${node.children.map(describeDisk).join(' and ')})`;
    case 'diskModel':
      return `model ${showOp(node.op)} ${show(node.value)}`;
    case 'diskNumber': {
      const name = { size: 'size', sectorSize: 'sector_size', physSectorSize: 'phys_sector_size' }[
        node.field
      ];
      return `${name} ${showOp(node.op)} ${formatBytes(node.value, node.units)}`;
    }
  }
}

// ---------------------------------------------------------------------------------------
// Why a node fails (only called on nodes that do fail)

function mismatch(node: HostNode, f: SystemFacts): HostMismatch {
  switch (node.kind) {
    case 'and': {
      const failing = node.children.find((child) => !compileNode(child)(f));
      return failing ? mismatch(failing, f) : { predicate: 'and', reason: 'and' };
    }
    case 'or': {
      const reasons = node.children.map((child) => mismatch(child, f).reason);
      return { predicate: describeNode(node), reason: `none of: ${reasons.join('; ')}` };
    }
    case 'not':
      return {
        predicate: describeNode(node),
        reason: `matches ${node.children.map(describeChild).join(' and ')} (inside <not>)`,
      };
    default: {
      const predicate = describeNode(node);
      return { predicate, reason: leafReason(node, f) ?? predicate };
    }
  }
}

function leafReason(node: HostNode, f: SystemFacts): string | undefined {
  const cpuMissing = `no cpu data (${describeNode(node)})`;
  switch (node.kind) {
    case 'text': {
      const actual = TEXT_FIELDS[node.field](f);
      const label = TEXT_LABELS[node.field];
      const implicit = node.implicit ? ' (implicit)' : '';
      if (actual === null) {
        return node.field.startsWith('cpu') ? cpuMissing : `${label} not set (wants ${describeNode(node)})`;
      }
      if (node.op === '!=') return `${label} is ${show(actual)}`;
      return `${label} ${show(actual)} ${FAILED[node.op]} ${show(node.value)}${implicit}`;
    }
    case 'number': {
      const actual = NUMBER_FIELDS[node.field](f);
      const label = NUMBER_LABELS[node.field];
      if (actual === null) {
        if (node.field.startsWith('cpu') && f.cpu === null) return cpuMissing;
        return node.field === 'diskSpace' ? 'no disks (diskspace unknown)' : `${label} unknown`;
      }
      const shown = formatBytes(actual, node.units);
      return `${label} ${shown} ${FAILED[node.op]} ${formatBytes(node.value, node.units)}`;
    }
    case 'list': {
      const list = LIST_FIELDS[node.field](f);
      const label = LIST_LABELS[node.field];
      if (list === null) return cpuMissing;
      if (node.op === '!=') return `has ${label} ${show(node.value)}`;
      const op = node.op === '=' || node.op === '==' ? '' : `${node.op} `;
      const has = node.field === 'cpuFlag' ? '' : ` (has ${list.length > 0 ? list.join(', ') : 'none'})`;
      return `no ${label} ${op}${show(node.value)}${has}`;
    }
    case 'pools':
      return node.inAny ? 'in no pool' : `in pool ${f.pools.join(', ')}`;
    case 'date': {
      const date = node.field === 'added' ? f.dateAdded : f.dateLastInventoried;
      if (date === null) return 'never inventoried';
      const label = node.field === 'added' ? 'added' : 'last_inventoried';
      return `${label} ${formatDay(dayNumber(date))} ${FAILED[node.op]} ${formatDay(node.day)}`;
    }
    case 'inventoried': {
      const date = f.dateLastInventoried;
      return date === null ? 'never inventoried' : `inventoried on ${formatDay(dayNumber(date))}`;
    }
    case 'hyper':
      return f.cpu === null ? cpuMissing : `cpu/hyper is ${f.cpu.hyper}`;
    case 'device':
      return `${node.negate ? 'has a device' : 'no device'} with ${deviceCriteria(node)}`;
    case 'disk':
      if (f.disks.length === 0) return 'no disks';
      return node.match === null ? undefined : `no disk with ${describeDisk(node.match)}`;
    case 'keyValue':
      return keyValueReason(node, f);
    case 'autoProv':
      return f.hasPower ? 'no lab controller (auto_prov)' : 'no power control (auto_prov)';
    case 'compatible':
      if (!f.arches.includes(node.arch)) return `arch ${node.arch} not supported`;
      return `excludes ${node.osMajor}${node.osMinor === undefined ? '' : `.${node.osMinor}`} on ${node.arch}`;
    default:
      return undefined;
  }
}

function keyValueReason(node: Extract<HostNode, { kind: 'keyValue' }>, f: SystemFacts): string {
  const values = f.keyValues.get(node.key) ?? [];
  if (node.op === '!=') {
    return node.value === undefined
      ? `key_value ${node.key} present`
      : `key_value ${node.key} is ${show(node.value)}`;
  }
  if (values.length === 0 || node.value === undefined) return `key_value ${node.key} missing`;
  return `key_value ${node.key} ${values.map(show).join(',')} ${FAILED[node.op]} ${show(node.value)}`;
}
