/**
 * Rules for `<hostRequires>` content (reference/beaker.md §3.5, beaker-job.rng `hostreq`,
 * `systemreq`, `cpureq`, `diskreq`). The schema checks the shape; these checks add Beaker's
 * runtime rules (numeric and date values) and give one precise message per bad element.
 */
import type { FilterOp } from './types.js';
import { attr, elements, type XElement } from './xml-tree.js';

export const ALL_OPS: readonly FilterOp[] = ['=', '==', '!=', 'like', '<', '<=', '>', '>='];
export const EQUALITY_OPS: readonly FilterOp[] = ['=', '==', '!=', 'like'];
export const UNITS = ['bytes', 'B', 'kB', 'KB', 'KiB', 'MB', 'MiB', 'GB', 'GiB', 'TB', 'TiB'] as const;

/** Where a filter element sits: directly in `<hostRequires>`, or inside `<system>`, `<cpu>`, `<disk>`. */
export type HostReqContext = 'host' | 'system' | 'cpu' | 'disk';
type Context = HostReqContext;
type ValueKind = 'int' | 'float' | 'date' | 'date-or-empty' | 'bool' | 'text';

export interface HostReqRule {
  /** Which ops the element accepts; undefined: it takes no op. */
  ops?: readonly FilterOp[];
  value?: ValueKind;
  units?: boolean;
  /** Children are filters of this context. */
  container?: Context;
  deprecated?: string;
}

type Rule = HostReqRule;

const all = (value: ValueKind = 'text', extra: Partial<Rule> = {}): Rule => ({
  ops: ALL_OPS,
  value,
  ...extra,
});
const eq = (extra: Partial<Rule> = {}): Rule => ({ ops: EQUALITY_OPS, value: 'text', ...extra });
const logic = (context: Context): Record<string, Rule> => ({
  and: { container: context },
  or: { container: context },
  not: { container: context },
});

/**
 * Every element `<hostRequires>` knows, per context. The host filter engine
 * (common/src/host-filter) builds its AST from the same element names; a unit test there
 * checks that the two stay in step.
 */
export const HOSTREQ_RULES: Readonly<Record<Context, Readonly<Record<string, Rule>>>> = {
  host: {
    ...logic('host'),
    labcontroller: all(),
    hostlabcontroller: all('text', { deprecated: '<labcontroller>' }),
    host: all('text', { deprecated: '<system><name>' }),
    hostname: all('text', { deprecated: '<system><name>' }),
    system_type: all('text', { deprecated: '<system><type>' }),
    memory: all('int', { deprecated: '<system><memory>' }),
    cpu_count: all('int', { deprecated: '<cpu><processors>' }),
    numa_node_count: all('int', { deprecated: '<system><numanodes>' }),
    arch: all('text', { deprecated: '<system><arch>' }),
    hypervisor: all('text', { deprecated: '<system><hypervisor>' }),
    auto_prov: all(),
    device: eq({ value: undefined }),
    disk: { container: 'disk' },
    diskspace: all('int', { units: true }),
    diskcount: all('int'),
    group: eq({ deprecated: '<pool>' }),
    pool: eq(),
    key_value: all(),
    cpu: { container: 'cpu' },
    system: { container: 'system' },
  },
  system: {
    ...logic('system'),
    name: eq(),
    lender: eq(),
    model: eq(),
    vendor: eq(),
    added: all('date'),
    last_inventoried: all('date-or-empty'),
    arch: eq(),
    memory: all('int'),
    numanodes: all('int'),
    owner: eq(),
    user: eq(),
    loaned: eq(),
    location: eq(),
    powertype: eq(),
    serial: eq(),
    hypervisor: eq(),
    status: eq(),
    type: eq(),
    compatible_with_distro: {},
  },
  cpu: {
    ...logic('cpu'),
    cores: all('int'),
    family: all('int'),
    hyper: { value: 'bool' },
    model: all('int'),
    model_name: eq(),
    processors: all('int'),
    sockets: all('int'),
    speed: all('float'),
    stepping: all('int'),
    vendor: eq(),
    flag: eq(),
  },
  disk: {
    ...logic('disk'),
    model: eq(),
    size: all('int', { units: true }),
    sector_size: all('int', { units: true }),
    phys_sector_size: all('int', { units: true }),
  },
};

const CONTEXT_NAME: Record<Context, string> = {
  host: 'hostRequires',
  system: 'system',
  cpu: 'cpu',
  disk: 'disk',
};

export interface HostReqReport {
  error(el: XElement, message: string): void;
  warn(el: XElement, message: string): void;
}

export interface HostReqCheckOptions {
  /**
   * Unknown elements: an error (the default, for submitted job XML, which the schema would
   * refuse anyway), or a warning that they act like `<and>` as in Beaker, their children
   * still checked in the same context (for host filters given to system search).
   */
  unknownElements?: 'error' | 'warn';
}

export function checkHostRequires(
  el: XElement,
  report: HostReqReport,
  options: HostReqCheckOptions = {},
): void {
  const force = attr(el, 'force');
  const children = elements(el);
  if (force !== undefined && children.length > 0) {
    report.error(
      el,
      '<hostRequires force="…"> selects one system by name and cannot be combined with other filters',
    );
  }
  if (force !== undefined && force.trim() === '') {
    report.warn(el, '<hostRequires force=""> is empty, so normal host filtering applies');
  }
  for (const child of children) checkFilter(child, 'host', report, options);
}

function checkFilter(
  el: XElement,
  context: Context,
  report: HostReqReport,
  options: HostReqCheckOptions,
): void {
  const rule = HOSTREQ_RULES[context][el.name];
  const where = `<${el.name}> in <${CONTEXT_NAME[context]}>`;
  if (!rule) {
    if (options.unknownElements !== 'warn') {
      report.error(el, `${where} is not a known host filter`);
      return;
    }
    report.warn(el, `${where} is not a known host filter; it acts like <and> around its children`);
    for (const child of elements(el)) checkFilter(child, context, report, options);
    return;
  }
  if (rule.deprecated) report.warn(el, `<${el.name}> is deprecated; use ${rule.deprecated}`);
  const op = attr(el, 'op');
  if (op !== undefined) {
    if (!(ALL_OPS as readonly string[]).includes(op)) {
      report.error(el, `${where}: op="${op}" is not an operator; use one of ${ALL_OPS.join(' ')}`);
    } else if (rule.ops && !(rule.ops as readonly string[]).includes(op)) {
      report.error(el, `${where}: op="${op}" is not allowed here; use one of ${rule.ops.join(' ')}`);
    } else if (!rule.ops) {
      report.error(el, `${where} takes no op attribute`);
    }
  }
  const units = attr(el, 'units');
  if (units !== undefined && !(UNITS as readonly string[]).includes(units)) {
    report.error(el, `${where}: units="${units}" is not a unit; use one of ${UNITS.join(' ')}`);
  } else if (units !== undefined && !rule.units) {
    report.error(el, `${where} takes no units attribute`);
  }
  const problem = rule.value ? valueProblem(rule.value, attr(el, 'value')) : undefined;
  if (problem) report.error(el, `${where}: ${problem}`);
  if (rule.container) {
    for (const child of elements(el)) checkFilter(child, rule.container, report, options);
  }
}

function valueProblem(kind: ValueKind, value: string | undefined): string | undefined {
  if (value === undefined) return kind === 'text' ? undefined : 'the value attribute is required';
  switch (kind) {
    case 'int':
      return /^\s*[+-]?\d+\s*$/.test(value) ? undefined : `value="${value}" is not a whole number`;
    case 'float':
      return /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(value)
        ? undefined
        : `value="${value}" is not a number`;
    case 'date':
      return isDate(value) ? undefined : `value="${value}" is not a date (YYYY-MM-DD)`;
    case 'date-or-empty':
      return value === '' || isDate(value) ? undefined : `value="${value}" is not a date (YYYY-MM-DD) or ""`;
    case 'bool':
      return /^\s*(true|false|1|0|TRUE|FALSE)\s*$/.test(value)
        ? undefined
        : `value="${value}" is not true or false`;
    default:
      return undefined;
  }
}

export function isDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}
