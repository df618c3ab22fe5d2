/**
 * A seeded inventory of ten varied systems for the host filter tests. Each system exists to
 * make some predicate discriminate: every interesting field has at least two distinct values
 * and at least one system lacks it.
 */
import type {
  CpuFacts,
  DeviceFacts,
  DiskFacts,
  HostFilter,
  SystemFacts,
} from '../../../common/src/host-filter/index.js';
import { explainHost, matchesHost, parseHostRequires } from '../../../common/src/host-filter/index.js';
import { indexOfFacts } from '../../../server/src/scheduler/system-index.js';

/** Key.numeric, shared by every system as the scheduler's index does. */
export const NUMERIC_KEYS: ReadonlySet<string> = new Set(['HVM', 'NR_DISKS', 'CPUFAMILY']);

const GB = 1e9;
const GiB = 1024 ** 3;

const cpu = (overrides: Partial<CpuFacts>): CpuFacts => ({
  vendor: 'GenuineIntel',
  modelName: 'Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz',
  model: 85,
  family: 6,
  stepping: 4,
  speed: 2100,
  processors: 32,
  cores: 16,
  sockets: 2,
  hyper: true,
  flags: ['fpu', 'vme', 'sse4_2', 'vmx', 'avx512f'],
  ...overrides,
});

const disk = (
  model: string,
  size: number,
  sectorSize: number | null,
  physSectorSize: number | null,
): DiskFacts => ({
  model,
  size,
  sectorSize,
  physSectorSize,
});

const device = (overrides: Partial<DeviceFacts>): DeviceFacts => ({
  type: 'NETWORK',
  bus: 'pci',
  driver: 'e1000e',
  vendorId: '8086',
  deviceId: '10d3',
  subsysVendorId: '8086',
  subsysDeviceId: 'a01f',
  description: '82574L Gigabit Network Connection',
  ...overrides,
});

const base = (fqdn: string, overrides: Partial<SystemFacts>): SystemFacts => ({
  fqdn,
  type: 'Machine',
  status: 'Automated',
  labController: 'lab1.example.com',
  arches: ['x86_64', 'i386'],
  memory: 16384,
  numaNodes: 2,
  vendor: 'Dell Inc.',
  model: 'PowerEdge R740',
  location: 'Brno Rack 1',
  serial: 'SN-0001',
  lender: '',
  powerType: 'ipmilan',
  hasPower: true,
  hypervisor: null,
  owner: 'alice',
  user: null,
  loanedTo: null,
  dateAdded: new Date('2020-01-15T10:00:00Z'),
  dateLastInventoried: new Date('2024-03-01T12:00:00Z'),
  cpu: cpu({}),
  disks: [disk('ST1000NM0033', 1000 * GB, 512, 4096)],
  devices: [device({})],
  keyValues: new Map(),
  numericKeys: NUMERIC_KEYS,
  pools: [],
  excluded: [],
  ...overrides,
});

export const INVENTORY: readonly SystemFacts[] = [
  base('alpha.lab1.example.com', {
    disks: [disk('ST1000NM0033', 1000 * GB, 512, 4096), disk('Samsung SSD 860 EVO', 500 * GB, 512, 512)],
    devices: [
      device({}),
      device({
        type: 'STORAGE',
        driver: 'megaraid_sas',
        vendorId: '1000',
        deviceId: '005d',
        description: 'MegaRAID',
      }),
    ],
    keyValues: new Map([
      ['HVM', ['1']],
      ['NR_DISKS', ['2']],
      ['MODULE', ['e1000e', 'megaraid_sas']],
    ]),
    pools: ['intel', 'rack-1'],
    excluded: [{ arch: 'x86_64', osMajor: 'RedHatEnterpriseLinux5' }],
  }),
  base('beta.lab1.example.com', {
    memory: 4096,
    numaNodes: 1,
    vendor: 'HP',
    model: 'ProLiant DL360',
    serial: 'SN-0002',
    user: 'bob',
    dateAdded: new Date('2021-06-01T00:00:00Z'),
    cpu: cpu({
      vendor: 'AuthenticAMD',
      modelName: 'AMD EPYC 7251 8-Core Processor',
      model: 1,
      family: 23,
      stepping: 2,
      speed: 2095.5,
      processors: 16,
      cores: 8,
      sockets: 1,
      hyper: false,
      flags: ['fpu', 'sse4_2', 'svm'],
    }),
    disks: [disk('WDC WD2500', 250 * GB, 512, 512)],
    devices: [
      device({ driver: 'tg3', vendorId: '14e4', deviceId: '1657', description: 'NetXtreme BCM5719' }),
    ],
    keyValues: new Map([
      ['HVM', ['0']],
      ['NR_DISKS', ['1']],
      ['CPUFAMILY', ['23']],
    ]),
    pools: ['amd'],
    excluded: [{ arch: 'x86_64', osMajor: 'RedHatEnterpriseLinux7', osMinor: '2' }],
  }),
  base('gamma.lab2.example.com', {
    type: 'Laptop',
    status: 'Manual',
    labController: 'lab2.example.com',
    arches: ['x86_64'],
    memory: 8192,
    numaNodes: 1,
    vendor: 'Lenovo',
    model: 'ThinkPad T480',
    location: 'Desk 12',
    serial: '',
    lender: 'Lenovo Loan Programme',
    powerType: null,
    hasPower: false,
    owner: 'carol',
    loanedTo: 'dave',
    dateAdded: new Date('2022-12-31T23:59:59Z'),
    cpu: cpu({
      modelName: 'Intel(R) Core(TM) i7-8650U',
      model: 142,
      stepping: 10,
      processors: 8,
      cores: 4,
      sockets: 1,
    }),
    disks: [disk('SAMSUNG MZVLB512', 512 * GiB, 512, 4096)],
    devices: [device({ type: 'VIDEO', driver: 'i915', deviceId: '5917', description: 'UHD Graphics 620' })],
    keyValues: new Map([['DISPLAY', ['']]]),
  }),
  base('delta.lab2.example.com', {
    status: 'Broken',
    labController: 'lab2.example.com',
    arches: ['ppc64le', 'ppc64'],
    memory: 65536,
    numaNodes: 4,
    vendor: 'IBM',
    model: 'Power System S822LC',
    serial: 'SN-0004',
    powerType: 'ipmilan',
    owner: 'bob',
    dateAdded: new Date('2019-03-10T08:00:00Z'),
    dateLastInventoried: null,
    cpu: null,
    disks: [],
    devices: [],
    pools: ['power'],
  }),
  base('epsilon.lab1.example.com', {
    type: 'Resource',
    arches: ['aarch64'],
    memory: null,
    numaNodes: null,
    vendor: '',
    model: 'Ampere Altra',
    serial: 'SN-0005',
    powerType: 'virsh',
    hypervisor: 'KVM',
    dateAdded: new Date('2023-06-30T23:59:59Z'),
    dateLastInventoried: new Date('2023-07-01T00:00:00Z'),
    cpu: cpu({
      vendor: 'ARM',
      modelName: 'Neoverse-N1',
      model: null,
      family: null,
      stepping: null,
      speed: null,
      processors: 80,
      cores: 80,
      sockets: 1,
      hyper: false,
      flags: ['fp', 'asimd', 'aes'],
    }),
    disks: [disk('QEMU HARDDISK', 100 * GiB, null, null)],
    devices: [
      device({
        bus: 'virtio',
        driver: 'virtio_net',
        vendorId: '1af4',
        deviceId: '1000',
        description: 'Virtio network device',
      }),
    ],
    keyValues: new Map([['NETBOOT_METHOD', ['grub2']]]),
    pools: ['arm', 'rack-1'],
  }),
  base('zeta.example.com', {
    type: 'Prototype',
    status: 'Removed',
    labController: null,
    memory: 2048,
    vendor: 'Supermicro',
    model: 'X_100%',
    serial: 'SN_0006',
    owner: 'alice',
    dateAdded: new Date('2018-01-01T00:00:00Z'),
    cpu: cpu({ processors: 4, cores: 4, sockets: 1, hyper: false, speed: 3400 }),
    disks: [disk('old disk', 80 * GB, 512, 512), disk('old disk', 80 * GB, 512, 512)],
    keyValues: new Map([['HVM', ['']]]),
  }),
  base('eta.lab3.example.com', {
    labController: 'lab3.example.com',
    arches: ['x86_64'],
    memory: 32768,
    hypervisor: 'Xen',
    vendor: 'Dell Inc.',
    model: 'PowerEdge R640',
    serial: 'SN-0007',
    owner: 'erin',
    user: 'erin',
    loanedTo: 'frank',
    dateAdded: new Date('2021-06-01T23:00:00Z'),
    disks: [
      disk('PERC H730', 2000 * GB, 512, 512),
      disk('PERC H730', 2000 * GB, 512, 512),
      disk('Micron 5200', 960 * GB, 4096, 4096),
    ],
    devices: [
      device({ driver: 'ixgbe', deviceId: '10fb', description: '82599ES 10-Gigabit' }),
      device({
        type: 'VIDEO',
        bus: 'pci',
        driver: 'nouveau',
        vendorId: '10de',
        deviceId: '1eb8',
        description: 'Tesla T4',
      }),
    ],
    keyValues: new Map([
      ['HVM', ['1']],
      ['NR_DISKS', ['3', '12']],
      ['MODULE', ['ixgbe']],
    ]),
    pools: ['intel', 'gpu'],
  }),
  base('theta.lab1.example.com', {
    type: 'Virtual',
    arches: ['x86_64'],
    memory: 2048,
    numaNodes: 1,
    vendor: 'QEMU',
    model: 'Standard PC (Q35)',
    serial: '',
    powerType: 'virsh',
    hypervisor: 'KVM',
    owner: 'alice',
    dateAdded: new Date('2024-02-29T12:00:00Z'),
    cpu: cpu({ processors: 2, cores: 2, sockets: 2, hyper: false, flags: ['fpu', 'hypervisor'] }),
    disks: [disk('QEMU HARDDISK', 20 * GiB, 512, 512)],
    devices: [
      device({
        bus: 'virtio',
        driver: 'virtio_net',
        vendorId: '1af4',
        deviceId: '1000',
        description: 'Virtio network device',
      }),
    ],
  }),
  base('iota.lab3.example.com', {
    labController: 'lab3.example.com',
    arches: ['x86_64', 'i386'],
    memory: 8192,
    vendor: 'dell inc.',
    model: 'OptiPlex 7010',
    serial: 'SN-0009',
    hypervisor: '',
    owner: 'frank',
    dateAdded: new Date('2021-05-31T00:00:00Z'),
    dateLastInventoried: new Date('2021-06-01T00:00:00Z'),
    cpu: cpu({
      processors: 4,
      cores: 4,
      sockets: 1,
      family: 6,
      model: 58,
      stepping: 9,
      speed: 3400,
      hyper: false,
    }),
    disks: [disk('ST500DM002', 500 * GB, 512, 4096)],
    keyValues: new Map([['MODULE', ['e1000e']]]),
    excluded: [
      { arch: 'x86_64', osMajor: 'RedHatEnterpriseLinux7', osMinor: '2' },
      { arch: 'i386', osMajor: 'RedHatEnterpriseLinux7' },
    ],
  }),
  base('kappa.lab1.example.com', {
    memory: 131072,
    numaNodes: 8,
    vendor: 'Dell Inc.',
    model: 'PowerEdge R940',
    serial: 'SN-0010',
    owner: 'bob',
    dateAdded: new Date('2024-01-01T00:00:00Z'),
    dateLastInventoried: new Date('2024-01-02T00:00:00Z'),
    cpu: cpu({
      processors: 192,
      cores: 96,
      sockets: 4,
      flags: ['fpu', 'vmx', 'sse4_2', 'avx512f', 'avx512_vnni'],
    }),
    disks: [disk('Samsung PM1733', 3840 * GB, 4096, 4096), disk('Samsung PM1733', 3840 * GB, 512, 4096)],
    devices: [
      device({}),
      device({
        type: 'STORAGE',
        driver: 'nvme',
        vendorId: '144d',
        deviceId: 'a824',
        description: 'NVMe SSD',
      }),
    ],
    keyValues: new Map([
      ['HVM', ['1']],
      ['NR_DISKS', ['2']],
      ['CPUFAMILY', ['6']],
    ]),
    pools: ['intel'],
  }),
];

/** The first DNS label of each system, for compact expectations. */
export const short = (facts: SystemFacts): string => facts.fqdn.split('.')[0] as string;

export const ALL = INVENTORY.map(short);

export function parseOk(xml: string): HostFilter {
  const parsed = parseHostRequires(xml);
  if (!parsed.ok) throw new Error(`did not parse: ${parsed.errors.map((e) => e.message).join('; ')}`);
  return parsed.filter;
}

/** The scheduler's bitset index over the same inventory: it must agree with matchesHost. */
const INDEX = indexOfFacts(INVENTORY);

/** Short names of the systems a filter matches, in inventory order. */
export function matchingFilter(filter: HostFilter): string[] {
  const names: string[] = [];
  const indexed = INDEX.matching(filter.root);
  for (const [i, facts] of INVENTORY.entries()) {
    const matches = matchesHost(filter, facts);
    // explainHost and the scheduler's index must agree with matchesHost on every system.
    const reason = explainHost(filter, facts);
    if (matches !== (reason === undefined)) {
      throw new Error(`${facts.fqdn}: matches=${matches} but explainHost says ${String(reason)}`);
    }
    if (matches !== indexed.has(INDEX.slotOfSystem(i + 1) as number)) {
      throw new Error(`${facts.fqdn}: matches=${matches} but the scheduler's index disagrees`);
    }
    if (matches) names.push(short(facts));
  }
  return names;
}

/** Short names of the systems a `<hostRequires>` (or fragment) matches, in inventory order. */
export const matching = (xml: string): string[] => matchingFilter(parseOk(xml));

/** Every system except these, in inventory order. */
export const allBut = (...names: string[]): string[] => ALL.filter((name) => !names.includes(name));
