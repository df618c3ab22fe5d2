/**
 * A synthetic lab and queue at the brief's benchmark size (design/brief.md "Targets";
 * reference/perf-reliability.md §3.2 and §6): 5,000 systems with 30 key-values each, 8 labs,
 * 25 pools, access policies with groups and loans, and 10,000 queued machine recipes whose
 * `<hostRequires>` hold 3–6 predicates. Written straight into a migrated database with one
 * bulk INSERT … SELECT FROM unnest(…) per table inside one transaction (no Prisma, no
 * per-row round trips), for `npm run bench -- scheduler` and the scheduler's fault test.
 *
 * Everything random comes from seeded generators (one stream for the inventory, one for the
 * queue), so a seed and `now` reproduce the same rows; a fresh database also gives the
 * same ids. Row ids are taken from each table's sequence before the inserts, so children
 * are built in memory and nothing is read back.
 *
 * Queue shape. Each recipe is anchored on a system its job owner may reserve: most
 * predicates are true of that system (thresholds at or below its values, its text values,
 * one of its pools), a few are not (the second branch of an `<or>`, a `!=`), the way users
 * write requirements for hardware they know exists. Candidates are counted while
 * generating, with the filter engine itself (common/src/host-filter) evaluating each
 * distinct leaf over the in-memory facts: an ordinary recipe is redrawn until its owner may
 * reserve at least two matching systems (a multi-host set: enough in one lab) and it matches
 * at most 10 % of the lab, and a chosen share matches no system at all (`zeroCandidateShare`)
 * or exactly one (`oneCandidateShare`) — the cases the scheduler aborts or bumps. At the
 * default size that gives about 150 candidates per recipe (median ~100), near the
 * prototype's 136 (perf-reliability.md §3.2).
 */
import pg from 'pg';
import { MATCH_ALL, parseHostRequires, type SystemFacts } from '../../common/src/host-filter/index.js';
import { Bitset } from '../../server/src/scheduler/bitset.js';
import { indexOfFacts, type SystemIndex } from '../../server/src/scheduler/system-index.js';

// ---------------------------------------------------------------------------------------
// API

export interface SyntheticLabOptions {
  /** Default 5000. */
  systems?: number;
  /** Key-value rows per system; default 30 (one per key; more repeat the multi-valued keys). */
  keyValuesPerSystem?: number;
  /** Lab controllers; default 8. */
  labs?: number;
  /** Default 25. */
  pools?: number;
  /** Job owners and system owners; default 40. */
  users?: number;
  /** Default 8. */
  groups?: number;
  /** Machine recipes in total (guests come on top); default 10000. */
  recipes?: number;
  /** Fraction of recipe sets holding 2–3 machine recipes; default 0.1. */
  multiHostShare?: number;
  /** Fraction of machine recipes carrying one guest recipe; default 0.02. */
  guestShare?: number;
  /** Fractions of systems Broken / Manual / loaned to a user; defaults 0.02, 0.01, 0.01. */
  brokenShare?: number;
  manualShare?: number;
  loanedShare?: number;
  /** Fractions of machine recipes matching no system / exactly one; defaults 0.01 each. */
  zeroCandidateShare?: number;
  oneCandidateShare?: number;
  /** PRNG seed; default 1. */
  seed?: number;
  /** The seeding's "now": submission times end here, systems were added before. Default: the clock. */
  now?: Date;
  /** Jobs' submitted_at spread evenly (increasing with the id) over this many hours before `now`; default 72. */
  submittedSpreadHours?: number;
  /** ANALYZE the written tables after the commit (planner statistics for the bench); default true. */
  analyze?: boolean;
}

/** Candidates per machine recipe (systems whose facts satisfy the recipe's filter). */
export interface CandidateStats {
  recipes: number;
  mean: number;
  median: number;
  p90: number;
  min: number;
  max: number;
  /** Recipes with no candidate / exactly one. */
  zero: number;
  one: number;
}

export interface SyntheticLab {
  counts: {
    users: number;
    groups: number;
    groupMembers: number;
    labControllers: number;
    distroTrees: number;
    systems: number;
    keyValues: number;
    disks: number;
    devices: number;
    pools: number;
    poolMembers: number;
    accessPolicies: number;
    accessPolicyRules: number;
    jobs: number;
    recipeSets: number;
    machineRecipes: number;
    guestRecipes: number;
    recipeTasks: number;
    brokenSystems: number;
    manualSystems: number;
    loanedSystems: number;
  };
  /** Job and system owners (not the lab controllers' service accounts). */
  users: { id: number; username: string }[];
  groups: { id: number; name: string }[];
  labControllers: { id: number; fqdn: string; userId: number }[];
  distroTrees: { id: number; arch: string }[];
  pools: { id: number; name: string }[];
  systemIds: number[];
  jobIds: number[];
  /** Increasing; each set's recipes are consecutive in recipeIds. */
  recipeSetIds: number[];
  /** Machine recipes, in submission order. */
  recipeIds: number[];
  guestRecipeIds: number[];
  /** Machine recipes made to match no system / exactly one (the scheduler aborts / bumps them). */
  zeroCandidateRecipeIds: number[];
  oneCandidateRecipeIds: number[];
  /** Per machine recipe (aligned with recipeIds): systems matching its filter, of any status. */
  candidateCounts: number[];
  /** Filter matches only, as `candidateCounts`. */
  candidates: CandidateStats;
  /** Filter matches the job owner may reserve (the scheduler's "could it ever run" count). */
  reservableCandidates: CandidateStats;
  /** Wall time of the whole call: generation, inserts, commit and ANALYZE. */
  seconds: number;
  /**
   * CPU time spent generating in memory (candidate counting included). The queue is generated
   * while the inventory's inserts run, so this overlaps the inserts rather than adding to them.
   */
  generateSeconds: number;
}

export type SeedClient = pg.Client | pg.Pool | pg.PoolClient;

export const SYNTHETIC_DISTRO = {
  name: 'SynthLinux-9.4',
  family: 'SynthLinux9',
  minor: '4',
  variant: 'BaseOS',
};
export const SYNTHETIC_TASK = '/distribution/check-install';

const DEFAULTS = {
  systems: 5000,
  keyValuesPerSystem: 30,
  labs: 8,
  pools: 25,
  users: 40,
  groups: 8,
  recipes: 10000,
  multiHostShare: 0.1,
  guestShare: 0.02,
  brokenShare: 0.02,
  manualShare: 0.01,
  loanedShare: 0.01,
  zeroCandidateShare: 0.01,
  oneCandidateShare: 0.01,
  seed: 1,
  submittedSpreadHours: 72,
  analyze: true,
};

type Resolved = typeof DEFAULTS & { now: Date };

/**
 * Seeds the synthetic lab and queue into an already-migrated database holding the reference
 * data (arches, retention tags, keys, the lab_controller group) and no synthetic lab yet.
 * One transaction: on any error nothing is written.
 */
export async function seedSyntheticLab(
  client: SeedClient,
  options: SyntheticLabOptions = {},
): Promise<SyntheticLab> {
  const started = performance.now();
  const opts = resolveOptions(options);
  const conn = client instanceof pg.Pool ? await client.connect() : client;
  try {
    await conn.query('BEGIN');
    try {
      await conn.query('SET LOCAL synchronous_commit = off');
      const refs = await loadReferenceData(conn);
      const busy = new BusyClock();
      const inventory = busy.time(() => generateInventory(opts));
      // The queue is generated (CPU here, in slices) while the inventory's inserts run in
      // the database (CPU there): on a small machine the two overlap instead of adding up.
      const queue = (async () => {
        await busy.yield();
        return generateQueue(opts, refs, inventory, busy);
      })();
      queue.catch(() => undefined); // awaited by writePlan; do not let it go unhandled meanwhile
      const result = await writePlan(conn, inventory, queue, refs, opts);
      await conn.query('COMMIT');
      if (opts.analyze) await conn.query(`ANALYZE ${WRITTEN_TABLES.map(quote).join(', ')}`);
      return { ...result, generateSeconds: busy.seconds, seconds: (performance.now() - started) / 1000 };
    } catch (error) {
      await conn.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  } finally {
    if (client instanceof pg.Pool) (conn as pg.PoolClient).release();
  }
}

function resolveOptions(options: SyntheticLabOptions): Resolved {
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  const o = { ...DEFAULTS, now: new Date(), ...defined } as Resolved;
  const counts = ['systems', 'keyValuesPerSystem', 'labs', 'pools', 'users', 'groups', 'recipes'] as const;
  for (const name of counts) {
    if (!Number.isInteger(o[name]) || o[name] < 0) throw new RangeError(`${name} must be a whole number ≥ 0`);
  }
  for (const name of ['systems', 'labs', 'users'] as const) {
    if (o[name] < 1) throw new RangeError(`${name} must be at least 1`);
  }
  const shares = [
    'multiHostShare',
    'guestShare',
    'brokenShare',
    'manualShare',
    'loanedShare',
    'zeroCandidateShare',
    'oneCandidateShare',
  ] as const;
  for (const name of shares) {
    if (!(o[name] >= 0 && o[name] <= 1)) throw new RangeError(`${name} must be within [0, 1]`);
  }
  if (o.brokenShare + o.manualShare > 1) throw new RangeError('brokenShare + manualShare must not exceed 1');
  if (o.zeroCandidateShare + o.oneCandidateShare > 1) {
    throw new RangeError('zeroCandidateShare + oneCandidateShare must not exceed 1');
  }
  if (!Number.isFinite(o.seed)) throw new RangeError('seed must be a finite number');
  return o;
}

// ---------------------------------------------------------------------------------------
// Seeded randomness

/** sfc32, seeded through splitmix32 from the seed and a stream name. */
class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number, stream: string) {
    let h = (Math.floor(seed) ^ 0x9e3779b9) >>> 0;
    for (let i = 0; i < stream.length; i++) h = Math.imul(h ^ stream.charCodeAt(i), 0x01000193) >>> 0;
    const split = () => {
      h = (h + 0x9e3779b9) >>> 0;
      let z = h;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = split();
    this.b = split();
    this.c = split();
    this.d = split();
    for (let i = 0; i < 12; i++) this.next();
  }

  /** [0, 1). */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** One of `items`, by `[item, weight]`. */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of items) total += w;
    let r = this.next() * total;
    for (const [item, w] of items) {
      r -= w;
      if (r < 0) return item;
    }
    return (items[items.length - 1] as readonly [T, number])[0];
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [items[i], items[j]] = [items[j] as T, items[i] as T];
    }
    return items;
  }
}

// ---------------------------------------------------------------------------------------
// Vocabularies

const words = (text: string): string[] => text.trim().split(/\s+/);
/** `"a:3 b:1"` → [['a', 3], ['b', 1]]. */
const weightsOf = (text: string): [string, number][] =>
  words(text).map((w) => [w.slice(0, w.lastIndexOf(':')), Number(w.slice(w.lastIndexOf(':') + 1))]);
const numericWeights = (text: string): [number, number][] => weightsOf(text).map(([v, w]) => [Number(v), w]);
/** Rows of `|`-separated cells, blank lines skipped. */
const rowsOf = (text: string): string[][] =>
  text
    .trim()
    .split('\n')
    .map((line) => line.split('|').map((cell) => cell.trim()));

type Arch = 'x86_64' | 'aarch64' | 'ppc64le' | 's390x';

/** Weighted toward x86_64, as real labs are. */
const ARCHES = weightsOf('x86_64:60 aarch64:20 ppc64le:12 s390x:8') as [Arch, number][];
/** MB. */
const MEMORY = numericWeights('2048:5 4096:10 8192:20 16384:25 32768:22 65536:18');
/** Decimal GB, as vendors label disks. */
const DISK_GB = numericWeights('240:15 480:25 960:25 1920:20 4000:15');

interface CpuModel {
  vendor: string;
  modelName: string;
  family: number;
  model: number;
  stepping: number;
  /** MHz. */
  speed: number;
  /** Cores per socket to choose from. */
  cores: number[];
  flags: string[];
  /** Threads per core with hyper-threading/SMT on. */
  threads: number;
}

const X86_FLAGS = 'fpu lm nx pae sse2 sse4_2 aes avx avx2 rdrand';
const ARM_FLAGS = 'fp asimd aes sha1 sha2 crc32 atomics';
const Z_FLAGS = 'esan3 zarch stfle msa ldisp eimm dfp vx';
// arch | weight | vendor | model name | family | model | stepping | MHz | cores per socket | flags | threads
const CPU_ROWS = rowsOf(`
x86_64  | 20 | GenuineIntel | Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz    | 6  | 106  | 6  | 2000 | 16 32    | ${X86_FLAGS} vmx avx512f sha_ni          | 2
x86_64  | 20 | GenuineIntel | Intel(R) Xeon(R) Silver 4214R CPU @ 2.40GHz  | 6  | 85   | 7  | 2400 | 8 12     | ${X86_FLAGS} vmx avx512f                 | 2
x86_64  | 10 | GenuineIntel | Intel(R) Xeon(R) Platinum 8480+              | 6  | 143  | 8  | 2000 | 32 56    | ${X86_FLAGS} vmx avx512f amx_tile sha_ni | 2
x86_64  | 15 | GenuineIntel | Intel(R) Xeon(R) E-2288G CPU @ 3.70GHz       | 6  | 158  | 13 | 3700 | 4 8      | ${X86_FLAGS} vmx                         | 2
x86_64  | 15 | AuthenticAMD | AMD EPYC 7302 16-Core Processor              | 23 | 49   | 0  | 3000 | 16       | ${X86_FLAGS} svm sha_ni                  | 2
x86_64  | 12 | AuthenticAMD | AMD EPYC 7543 32-Core Processor              | 25 | 1    | 1  | 2800 | 32       | ${X86_FLAGS} svm sha_ni                  | 2
x86_64  | 8  | AuthenticAMD | AMD EPYC 9354 32-Core Processor              | 25 | 17   | 1  | 3250 | 32       | ${X86_FLAGS} svm sha_ni avx512f          | 2
aarch64 | 50 | ARM          | Neoverse-N1                                  | 8  | 3340 | 1  | 3000 | 32 80    | ${ARM_FLAGS}                             | 1
aarch64 | 20 | Cavium       | ThunderX2 99xx                               | 8  | 175  | 1  | 2200 | 28 32    | ${ARM_FLAGS}                             | 4
aarch64 | 30 | HiSilicon    | Kunpeng-920                                  | 8  | 3329 | 0  | 2600 | 24 48    | ${ARM_FLAGS} sm3                         | 1
ppc64le | 60 | IBM          | POWER9 (architected), altivec supported      | 0  | 78   | 2  | 2900 | 8 10 12  | altivec vsx dfp arch_3_00                | 4
ppc64le | 40 | IBM          | POWER10 (architected), altivec supported     | 0  | 128  | 2  | 3500 | 8 12 15  | altivec vsx dfp arch_3_00 arch_3_1 mma   | 8
s390x   | 55 | IBM/S390     | 8561                                         | 0  | 8561 | 0  | 5200 | 2 4 8    | ${Z_FLAGS}                               | 2
s390x   | 45 | IBM/S390     | 3931                                         | 0  | 3931 | 0  | 5200 | 4 8 16   | ${Z_FLAGS} nnpa                          | 2
`);
const CPUS = byArch(
  CPU_ROWS.map(([arch, weight, vendor, modelName, family, model, stepping, speed, cores, flags, threads]) => [
    arch as Arch,
    Number(weight),
    {
      vendor: vendor as string,
      modelName: modelName as string,
      family: Number(family),
      model: Number(model),
      stepping: Number(stepping),
      speed: Number(speed),
      cores: words(cores as string).map(Number),
      flags: words(flags as string),
      threads: Number(threads),
    },
  ]),
);

// arch | weight | vendor | model | fqdn slug
const SYSTEM_MODELS = byArch(
  rowsOf(`
x86_64  | 20 | Dell Inc.        | PowerEdge R750       | dell-r750
x86_64  | 15 | Dell Inc.        | PowerEdge R650       | dell-r650
x86_64  | 10 | Dell Inc.        | PowerEdge R7525      | dell-r7525
x86_64  | 15 | HPE              | ProLiant DL380 Gen10 | hpe-dl380g10
x86_64  | 10 | HPE              | ProLiant DL360 Gen11 | hpe-dl360g11
x86_64  | 15 | Lenovo           | ThinkSystem SR650    | lenovo-sr650
x86_64  | 15 | Supermicro       | SYS-1029P-WTR        | smc-1029p
aarch64 | 40 | Ampere Computing | Mt.Jade              | ampere-mtjade
aarch64 | 20 | HPE              | Apollo 70            | hpe-apollo70
aarch64 | 25 | Huawei           | TaiShan 200          | huawei-taishan200
aarch64 | 15 | GIGABYTE         | R272-P30             | gigabyte-r272
ppc64le | 60 | IBM              | Power System S922    | ibm-p9-s922
ppc64le | 40 | IBM              | Power System E1050   | ibm-p10-e1050
s390x   | 55 | IBM              | z15 T01 LPAR         | ibm-z15
s390x   | 45 | IBM              | z16 A01 LPAR         | ibm-z16
`).map(([arch, weight, vendor, model, slug]) => [
    arch as Arch,
    Number(weight),
    { vendor: vendor as string, model: model as string, slug: slug as string },
  ]),
);

function byArch<T>(rows: [Arch, number, T][]): Record<Arch, [T, number][]> {
  const out: Record<Arch, [T, number][]> = { x86_64: [], aarch64: [], ppc64le: [], s390x: [] };
  for (const [arch, weight, item] of rows) out[arch].push([item, weight]);
  return out;
}

interface DeviceSpec {
  deviceClass: string;
  bus: string;
  driver: string;
  vendorId: string;
  deviceId: string;
  description: string;
  /** The STORAGE key value a storage controller implies. */
  storage: string;
}
// name | weight | class | bus | driver | vendor:device | STORAGE value | description
const DEVICES = new Map(
  rowsOf(`
ixgbe     | 25 | NETWORK | pci | ixgbe        | 8086:10fb |      | Intel 82599ES 10-Gigabit SFI/SFP+
i40e      | 20 | NETWORK | pci | i40e         | 8086:1572 |      | Intel Ethernet Controller X710 for 10GbE SFP+
cx5       | 20 | NETWORK | pci | mlx5_core    | 15b3:1017 |      | Mellanox MT27800 Family [ConnectX-5]
bnxt      | 15 | NETWORK | pci | bnxt_en      | 14e4:16d7 |      | Broadcom BCM57414 NetXtreme-E 10Gb/25Gb
igb       | 15 | NETWORK | pci | igb          | 8086:1521 |      | Intel I350 Gigabit Network Connection
tg3       | 5  | NETWORK | pci | tg3          | 14e4:165f |      | Broadcom NetXtreme BCM5720 Gigabit
qeth      | 0  | NETWORK | ccw | qeth         | 1014:1731 |      | IBM OSA-Express7S 25GbE
ib        | 0  | NETWORK | pci | mlx5_ib      | 15b3:101b |      | Mellanox MT28908 Family [ConnectX-6] InfiniBand
megaraid  | 30 | STORAGE | pci | megaraid_sas | 1000:10e2 | SAS  | Broadcom MegaRAID SAS-3 3916
smartpqi  | 15 | STORAGE | pci | smartpqi     | 9005:028f | SAS  | Microchip Smart Storage PQI 12G SAS/PCIe 3
nvme      | 30 | STORAGE | pci | nvme         | 144d:a824 | NVMe | Samsung NVMe SSD Controller PM173X
ahci      | 20 | STORAGE | pci | ahci         | 8086:a352 | SATA | Intel Cannon Lake PCH SATA AHCI Controller
qla2xxx   | 5  | STORAGE | pci | qla2xxx      | 1077:2261 | SAN  | QLogic ISP2722 16/32Gb Fibre Channel
zfcp      | 0  | STORAGE | ccw | zfcp         | 1014:1732 | SAN  | IBM FICON Express16SA
mgag200   | 1  | VIDEO   | pci | mgag200      | 102b:0536 |      | Matrox G200eW3 Graphics Controller
ast       | 1  | VIDEO   | pci | ast          | 1a03:2000 |      | ASPEED Graphics Family
`).map(([name, weight, deviceClass, bus, driver, ids, storage, description]) => {
    const [vendorId = '', deviceId = ''] = (ids as string).split(':');
    const spec = { deviceClass, bus, driver, vendorId, deviceId, storage, description } as DeviceSpec;
    return [name as string, { spec, weight: Number(weight) }] as const;
  }),
);
const device = (name: string): DeviceSpec => (DEVICES.get(name) as { spec: DeviceSpec }).spec;
/** Devices of a class that systems draw from (weight > 0), for bus pci. */
const deviceChoices = (deviceClass: string): [DeviceSpec, number][] =>
  [...DEVICES.values()]
    .filter((d) => d.spec.deviceClass === deviceClass && d.weight > 0)
    .map((d) => [d.spec, d.weight]);
const NICS = deviceChoices('NETWORK');
const STORAGE_CONTROLLERS = deviceChoices('STORAGE');
const VIDEO = deviceChoices('VIDEO');

const DISK_MODELS = [
  'SAMSUNG MZ7LH480',
  'INTEL SSDSC2KB960G8',
  'SEAGATE ST2000NM0055',
  'TOSHIBA MG04ACA400N',
  'MICRON 5300_MTFDDAK1T9',
];
const GROUP_NAMES = words(
  'kernel-qe network-qe storage-qe virt-qe perf-team hw-enablement fw-validation release-eng',
);
const POOL_NAMES = words(`
  kernel-tier1 kernel-tier2 network storage virt performance rt-kernel hw-enablement firmware ceph openstack
  gpu infiniband nvme secure-boot fips ci-fast ci-large certification arm-server power z-systems sustaining
  partners spares`);

/**
 * The 30 keys in the order systems get them (a smaller keyValuesPerSystem keeps the first
 * ones). The reference data holds 27 (ten numeric); the seeder adds FIRMWARE, GPU and RACK.
 */
const KEY_ORDER = [
  ...['MEMORY', 'PROCESSORS', 'NR_DISKS', 'DISKSPACE', 'CPUVENDOR', 'CPUMODEL', 'CPUFAMILY', 'CPUSPEED'],
  ...['STORAGE', 'NR_ETH', 'NETBOOT_METHOD', 'HVM', 'MODULE', 'FORMFACTOR', 'VENDOR', 'MODEL', 'NETWORK'],
  ...['NR_IB', 'PCIID', 'DISK', 'CPUMODELNUMBER', 'CPUFLAGS', 'FIRMWARE', 'GPU', 'RTCERT', 'XENCERT'],
  ...['SCRATCH', 'USBID', 'RACK', 'COMMENT'],
] as const;
type KeyName = (typeof KEY_ORDER)[number];
const ADDED_KEYS: readonly KeyName[] = ['FIRMWARE', 'GPU', 'RACK'];
/** Keys that get further values when keyValuesPerSystem exceeds 30. */
const REPEATING_KEYS: readonly KeyName[] = ['MODULE', 'PCIID', 'USBID', 'CPUFLAGS'];
const EXTRA_MODULES = words('nvme ahci xhci_hcd ipmi_si dm_mod sd_mod ext4 xfs');
const USB_IDS = words('1d6b:0002 1d6b:0003 0424:2514 046b:ff10 8087:0024 0557:8021');

/** Thresholds for `>=`/`>` on numeric keys. */
const NUMERIC_THRESHOLDS: Partial<Record<KeyName, readonly number[]>> = {
  MEMORY: [4096, 8192, 16384, 32768, 65536],
  PROCESSORS: [4, 8, 16, 32, 64, 128],
  NR_DISKS: [1, 2, 3, 4],
  DISKSPACE: [250_000, 500_000, 1_000_000, 2_000_000, 4_000_000, 8_000_000],
  CPUSPEED: [2000, 2400, 2800, 3200],
  NR_ETH: [1, 2, 4],
  NR_IB: [1, 2],
  DISK: [240, 480, 960, 1920, 4000],
};
const TEXT_PREDICATE_KEYS = words(`
  STORAGE FORMFACTOR NETBOOT_METHOD HVM MODULE CPUVENDOR FIRMWARE NETWORK VENDOR MODEL GPU RTCERT CPUMODEL
  PCIID SCRATCH`) as KeyName[];
/** Text keys with descriptive values, where `like '%word%'` makes sense. */
const LIKE_KEYS: readonly KeyName[] = ['MODEL', 'NETWORK', 'CPUMODEL', 'VENDOR'];
/** Predicates no synthetic system satisfies (values beyond every vocabulary). */
const IMPOSSIBLE: readonly string[] = [
  '<system><memory op="&gt;=" value="262144"/></system>',
  '<cpu><cores op="&gt;=" value="512"/></cpu>',
  '<key_value key="NR_IB" op="&gt;=" value="16"/>',
  '<key_value key="GPU" op="=" value="nvidia-h200"/>',
  '<pool op="=" value="decommissioned"/>',
];

/**
 * An ordinary recipe matching more than this share of the lab is drawn again: broad filters
 * (arch and a low memory bound) would otherwise pull the mean far above the brief's
 * "roughly 50–300 candidates" (the prototype's queue averaged 136 of 5,000).
 */
const MAX_CANDIDATE_SHARE = 0.1;
const PRIORITIES = weightsOf('Low:6 Medium:2 Normal:82 High:8 Urgent:2');
const S390_MEMORY = numericWeights('8192:1 16384:1 32768:1');
const DISK_COUNT = numericWeights('1:40 2:30 3:15 4:15');
const S390_DISK_COUNT = numericWeights('1:1 2:1');
const NR_IB = numericWeights('0:85 1:10 2:5');
const NR_ETH = numericWeights('1:10 2:50 4:40');
const POOLS_PER_SYSTEM = numericWeights('0:30 1:50 2:20');
const SETS_PER_JOB = numericWeights('1:80 2:15 3:5');

/** Key values drawn per arch: x86_64, aarch64, ppc64le, s390x. */
const ARCH_VALUES = {
  NETBOOT_METHOD: perArch('pxe:40 efigrub:40 ipxe:20', 'efigrub:1', 'grub2:1', 'zpxe:1'),
  HVM: perArch('True:90 False:10', 'True:70 False:30', 'False:1', 'False:1'),
  FORMFACTOR: perArch('1U:35 2U:45 4U:8 blade:12', '1U:40 2U:60', '2U:50 4U:50', 'LPAR:1'),
  FIRMWARE: perArch('UEFI:70 BIOS:30', 'UEFI:1', 'OPAL:1', 'none:1'),
  GPU: perArch('none:85 nvidia-t4:8 nvidia-a100:4 amd-mi210:3', 'none:1', 'none:1', 'none:1'),
};

function perArch(
  x86_64: string,
  aarch64: string,
  ppc64le: string,
  s390x: string,
): Record<Arch, [string, number][]> {
  return {
    x86_64: weightsOf(x86_64),
    aarch64: weightsOf(aarch64),
    ppc64le: weightsOf(ppc64le),
    s390x: weightsOf(s390x),
  };
}

// ---------------------------------------------------------------------------------------
// The plan: every row, built in memory, ids left to the database's sequences

interface ReferenceData {
  archIds: Map<string, number>;
  retentionTagId: number;
  labControllerGroupId: number | null;
  /** Every key name (the synthetic ones included) → id, and the numeric ones. */
  keyIds: Map<string, number>;
  numericKeys: ReadonlySet<string>;
}

type Policy = { kind: 'everybody' } | { kind: 'group'; group: number } | { kind: 'user'; user: number };

interface PlanSystem {
  fqdn: string;
  lab: number;
  arch: Arch;
  status: 'Automated' | 'Broken' | 'Manual';
  owner: number;
  loanedTo: number | null;
  policy: Policy;
  pools: number[];
  memory: number;
  numaNodes: number;
  vendor: string;
  model: string;
  location: string;
  serial: string;
  mac: string;
  ip: string;
  dateAdded: Date;
  lastInventoried: Date | null;
  cpu: CpuModel & {
    sockets: number;
    totalCores: number;
    processors: number;
    hyper: boolean;
    flagsOf: string[];
  };
  disks: { model: string; bytes: number; sector: number; phys: number }[];
  devices: DeviceSpec[];
  keyValues: [KeyName, string][];
  power: { type: string; address: string; user: string; powerId: string };
}

interface PlanRecipe {
  set: number;
  position: number;
  arch: Arch;
  role: string;
  autopick: boolean;
  whiteboard: string;
  hostRequires: string;
  special?: 'zero' | 'one';
  candidates: number;
  reservable: number;
  guest?: { name: string; args: string; hostRequires: string };
}

interface PlanSet {
  job: number;
  position: number;
  priority: string;
  recipes: number[];
}

interface PlanJob {
  owner: number;
  submittedAt: Date;
  sets: number[];
}

interface Plan {
  users: { username: string; email: string; displayName: string }[];
  groups: { name: string; members: number[] }[];
  labs: string[];
  pools: { name: string; ownerGroup: number | null; ownerUser: number | null }[];
  systems: PlanSystem[];
  jobs: PlanJob[];
  sets: PlanSet[];
  recipes: PlanRecipe[];
}

type Inventory = Pick<Plan, 'users' | 'groups' | 'labs' | 'pools' | 'systems'>;
type Queue = Pick<Plan, 'jobs' | 'sets' | 'recipes'>;

/**
 * CPU time spent generating, and the slicing that lets the event loop (the inserts' replies)
 * run while the queue is generated.
 */
class BusyClock {
  private total = 0;
  private since: number | undefined;

  get seconds(): number {
    return this.total / 1000;
  }

  time<T>(work: () => T): T {
    this.start();
    try {
      return work();
    } finally {
      this.stop();
    }
  }

  start(): void {
    this.since = performance.now();
  }

  stop(): void {
    if (this.since !== undefined) this.total += performance.now() - this.since;
    this.since = undefined;
  }

  yield(): Promise<void> {
    return new Promise((resolve) => setImmediate(resolve));
  }

  /** Yields to the event loop once the current slice has run 20 ms. */
  async slice(): Promise<void> {
    if (this.since === undefined || performance.now() - this.since < 20) return;
    this.stop();
    await this.yield();
    this.start();
  }
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');
const labFqdn = (lab: number) => `lab${lab + 1}.synthetic.test`;

function generateInventory(o: Resolved): Inventory {
  const rnd = new Random(o.seed, 'inventory');
  const users = Array.from({ length: o.users }, (_, i) => ({
    username: `synth-user-${pad(i + 1, 3)}`,
    email: `synth-user-${pad(i + 1, 3)}@synthetic.test`,
    displayName: `Synthetic User ${i + 1}`,
  }));
  // Each user in one or two groups (the first users fill the groups in turn).
  const groups = Array.from({ length: o.groups }, (_, i) => ({
    name: i < GROUP_NAMES.length ? (GROUP_NAMES[i] as string) : `synth-group-${i + 1}`,
    members: [] as number[],
  }));
  if (groups.length) {
    for (let u = 0; u < users.length; u++) {
      const first = u < groups.length ? u : rnd.int(0, groups.length - 1);
      (groups[first] as { members: number[] }).members.push(u);
      if (groups.length > 1 && rnd.chance(0.35)) {
        let second = rnd.int(0, groups.length - 1);
        if (second === first) second = (second + 1) % groups.length;
        (groups[second] as { members: number[] }).members.push(u);
      }
    }
  }
  const labs = Array.from({ length: o.labs }, (_, i) => labFqdn(i));
  const pools = Array.from({ length: o.pools }, (_, i) => ({
    name: i < POOL_NAMES.length ? (POOL_NAMES[i] as string) : `synth-pool-${i + 1}`,
    ownerGroup: groups.length && i % 3 !== 2 ? i % groups.length : null,
    ownerUser: groups.length && i % 3 !== 2 ? null : i % users.length,
  }));
  // Pool popularity falls off like 1/rank, so pool predicates range from broad to narrow.
  const poolWeights = pools.map((_, i) => [i, 1 / (i + 1)] as const);

  const n = o.systems;
  const statusOf = new Array<PlanSystem['status']>(n).fill('Automated');
  const order = rnd.shuffle(Array.from({ length: n }, (_, i) => i));
  const broken = Math.round(o.brokenShare * n);
  const manual = Math.min(n - broken, Math.round(o.manualShare * n));
  order.slice(0, broken).forEach((i) => (statusOf[i] = 'Broken'));
  order.slice(broken, broken + manual).forEach((i) => (statusOf[i] = 'Manual'));
  const loaned = new Set(
    rnd.shuffle(Array.from({ length: n }, (_, i) => i)).slice(0, Math.round(o.loanedShare * n)),
  );

  const systems: PlanSystem[] = [];
  const dayMs = 86_400_000;
  for (let i = 0; i < n; i++) {
    const arch = rnd.weighted(ARCHES);
    const lab = rnd.int(0, o.labs - 1);
    const { vendor, model, slug } = rnd.weighted(SYSTEM_MODELS[arch]);
    const fqdn = `${slug}-${pad(i + 1, 5)}.${labFqdn(lab)}`;
    const cpuModel = rnd.weighted(CPUS[arch]);
    const sockets = arch === 's390x' ? 1 : rnd.chance(arch === 'x86_64' ? 0.6 : 0.3) ? 2 : 1;
    const totalCores = rnd.pick(cpuModel.cores) * sockets;
    const hyper = cpuModel.threads > 1 && (arch !== 'x86_64' || rnd.chance(0.8));
    const flagsOf = cpuModel.flags.filter(() => rnd.chance(0.9));
    const memory = rnd.weighted(arch === 's390x' ? S390_MEMORY : MEMORY);
    const diskCount = rnd.weighted(arch === 's390x' ? S390_DISK_COUNT : DISK_COUNT);
    const diskGb = rnd.weighted(DISK_GB);
    const disks = Array.from({ length: diskCount }, (_, d) => {
      const gb = d === 0 ? diskGb : rnd.weighted(DISK_GB);
      const sector = rnd.chance(0.7) ? 512 : 4096;
      const phys = sector === 512 && rnd.chance(0.5) ? 4096 : sector;
      return { model: rnd.pick(DISK_MODELS), bytes: gb * 1_000_000_000, sector, phys };
    });
    const nic = arch === 's390x' ? device('qeth') : rnd.weighted(NICS);
    const storage = arch === 's390x' ? device('zfcp') : rnd.weighted(STORAGE_CONTROLLERS);
    const nrIb = arch === 's390x' ? 0 : rnd.weighted(NR_IB);
    const devices = [nic, storage];
    if (nrIb > 0) devices.push(device('ib'));
    if (arch === 'x86_64') devices.push(rnd.weighted(VIDEO));
    const serial = `SYN${pad(i + 1, 6)}${pad(rnd.int(0, 99), 2)}`;
    const rack = rnd.int(1, 24);
    const owner = rnd.int(0, o.users - 1);
    let loanedTo: number | null = null;
    if (loaned.has(i)) {
      loanedTo = rnd.int(0, o.users - 1);
      if (loanedTo === owner && o.users > 1) loanedTo = (loanedTo + 1) % o.users;
    }
    // reserve: everybody 80 %, one group 12 % (without groups: everybody), one user 8 %.
    const policyDraw = rnd.next();
    const policy: Policy =
      policyDraw < 0.8 || (groups.length === 0 && policyDraw < 0.92)
        ? { kind: 'everybody' }
        : policyDraw < 0.92
          ? { kind: 'group', group: rnd.int(0, groups.length - 1) }
          : { kind: 'user', user: rnd.chance(0.5) ? owner : rnd.int(0, o.users - 1) };
    const poolCount = Math.min(pools.length, rnd.weighted(POOLS_PER_SYSTEM));
    const memberOf: number[] = [];
    while (memberOf.length < poolCount) {
      const p = rnd.weighted(poolWeights);
      if (!memberOf.includes(p)) memberOf.push(p);
    }
    const addedDaysAgo = rnd.int(30, 2000);
    const dateAdded = new Date(o.now.getTime() - addedDaysAgo * dayMs - rnd.int(0, dayMs - 1));
    const lastInventoried = rnd.chance(0.9)
      ? new Date(o.now.getTime() - rnd.int(0, addedDaysAgo - 1) * dayMs - rnd.int(0, dayMs - 1))
      : null;
    const processors = totalCores * (hyper ? cpuModel.threads : 1);
    const short = fqdn.split('.')[0] as string;
    const ipmi = arch !== 's390x' && rnd.chance(0.9);
    const values: Record<KeyName, string> = {
      MEMORY: String(memory),
      PROCESSORS: String(processors),
      NR_DISKS: String(diskCount),
      DISKSPACE: String(Math.round(disks.reduce((sum, d) => sum + d.bytes, 0) / 1_000_000)),
      CPUVENDOR: cpuModel.vendor,
      CPUMODEL: cpuModel.modelName,
      CPUFAMILY: String(cpuModel.family),
      CPUSPEED: String(cpuModel.speed),
      STORAGE: storage.storage,
      NR_ETH: String(arch === 's390x' ? 1 : rnd.weighted(NR_ETH)),
      NETBOOT_METHOD: rnd.weighted(ARCH_VALUES.NETBOOT_METHOD[arch]),
      HVM: rnd.weighted(ARCH_VALUES.HVM[arch]),
      MODULE: nic.driver,
      FORMFACTOR: rnd.weighted(ARCH_VALUES.FORMFACTOR[arch]),
      VENDOR: vendor,
      MODEL: model,
      NETWORK: nic.description,
      NR_IB: String(nrIb),
      PCIID: `${nic.vendorId}:${nic.deviceId}`,
      DISK: String(diskGb),
      CPUMODELNUMBER: String(cpuModel.model),
      CPUFLAGS: rnd.pick(flagsOf.length ? flagsOf : cpuModel.flags),
      FIRMWARE: rnd.weighted(ARCH_VALUES.FIRMWARE[arch]),
      GPU: rnd.weighted(ARCH_VALUES.GPU[arch]),
      RTCERT: rnd.chance(0.1) ? 'Yes' : 'No',
      XENCERT: rnd.chance(0.05) ? 'Yes' : 'No',
      SCRATCH: diskCount >= 2 ? '/dev/sdb' : 'none',
      USBID: arch === 's390x' ? 'none' : rnd.pick(USB_IDS),
      RACK: `lab${lab + 1}-r${pad(rack, 2)}`,
      COMMENT: `asset ${serial}`,
    };
    const keyValues: [KeyName, string][] = [];
    for (let k = 0; k < o.keyValuesPerSystem; k++) {
      if (k < KEY_ORDER.length) {
        const key = KEY_ORDER[k] as KeyName;
        keyValues.push([key, values[key]]);
        continue;
      }
      const key = REPEATING_KEYS[(k - KEY_ORDER.length) % REPEATING_KEYS.length] as KeyName;
      const extra: Record<string, () => string> = {
        MODULE: () => rnd.pick(EXTRA_MODULES),
        PCIID: () => `${storage.vendorId}:${storage.deviceId}`,
        USBID: () => rnd.pick(USB_IDS),
        CPUFLAGS: () => rnd.pick(cpuModel.flags),
      };
      keyValues.push([key, (extra[key] as () => string)()]);
    }
    systems.push({
      fqdn,
      lab,
      arch,
      status: statusOf[i] as PlanSystem['status'],
      owner,
      loanedTo,
      policy,
      pools: memberOf,
      memory,
      numaNodes: arch === 's390x' ? 1 : sockets * (rnd.chance(0.2) ? 2 : 1),
      vendor,
      model,
      location: `${labFqdn(lab)} rack ${rack} U${rnd.int(1, 42)}`,
      serial,
      mac: `52:54:${hex2(i >> 24)}:${hex2(i >> 16)}:${hex2(i >> 8)}:${hex2(i)}`,
      ip: `10.${lab + 1}.${(i >> 8) & 255}.${i & 255}`,
      dateAdded,
      lastInventoried,
      cpu: { ...cpuModel, sockets, totalCores, processors, hyper, flagsOf },
      disks,
      devices,
      keyValues,
      power: ipmi
        ? { type: 'ipmilan', address: `bmc-${short}.${labFqdn(lab)}`, user: 'root', powerId: '' }
        : { type: 'virtual', address: `virt-host-${pad(rack, 2)}.${labFqdn(lab)}`, user: '', powerId: short },
    });
  }

  return { users, groups, labs, pools, systems };
}

const hex2 = (n: number) => (n & 255).toString(16).padStart(2, '0');

// ---------------------------------------------------------------------------------------
// Candidate counting: bitsets over systems, one per distinct leaf, from the filter engine

/** A predicate: one filter element (in its `<system>`/`<cpu>` context), or and/or/not of them. */
type Pred =
  | { kind: 'leaf'; context: 'host' | 'system' | 'cpu'; xml: string }
  | { kind: 'or'; children: Pred[] }
  | { kind: 'not'; children: Pred[] };

const leafCount = (p: Pred): number =>
  p.kind === 'leaf' ? 1 : p.children.reduce((n, c) => n + leafCount(c), 0);
const wrap = (p: Extract<Pred, { kind: 'leaf' }>) =>
  p.context === 'host' ? p.xml : `<${p.context}>${p.xml}</${p.context}>`;

/**
 * Candidate counting with the scheduler's own index (server/src/scheduler/system-index.ts:
 * one cached bitset per distinct leaf), so the counts are the scheduler's. Slot i is system i.
 */
class Matcher {
  private readonly index: SystemIndex;
  private readonly leaves = new Map<string, Bitset>();
  readonly all: Bitset;

  constructor(facts: readonly SystemFacts[]) {
    this.index = indexOfFacts(facts);
    this.all = this.index.matching(MATCH_ALL.root);
  }

  /** Every bitset combined with this matcher's must have this capacity. */
  get capacity(): number {
    return this.index.capacity;
  }

  /** Systems satisfying every predicate (a new bitset). */
  match(preds: readonly Pred[]): Bitset {
    const out = this.all.copy();
    for (const p of preds) out.and(this.bits(p));
    return out;
  }

  private bits(p: Pred): Bitset {
    if (p.kind === 'or') {
      const out = new Bitset(this.capacity);
      for (const c of p.children) out.or(this.bits(c));
      return out;
    }
    if (p.kind === 'not') return this.all.copy().andNot(this.match(p.children));
    const xml = wrap(p);
    let bits = this.leaves.get(xml);
    if (!bits) {
      const parsed = parseHostRequires(xml);
      if (!parsed.ok)
        throw new Error(`synthetic filter does not parse: ${xml}: ${parsed.errors[0]?.message}`);
      bits = this.index.matching(parsed.filter.root);
      this.leaves.set(xml, bits);
    }
    return bits;
  }
}

/** The facts the filter engine sees, built as server/src/modules/lab/system-facts.ts builds them. */
function factsOf(
  plan: Pick<Plan, 'users' | 'labs' | 'pools' | 'systems'>,
  numericKeys: ReadonlySet<string>,
): SystemFacts[] {
  return plan.systems.map((s) => {
    const keyValues = new Map<string, string[]>();
    for (const [key, value] of s.keyValues) keyValues.set(key, [...(keyValues.get(key) ?? []), value]);
    return {
      fqdn: s.fqdn,
      type: 'Machine',
      status: s.status,
      labController: plan.labs[s.lab] as string,
      arches: [s.arch],
      memory: s.memory,
      numaNodes: s.numaNodes,
      vendor: s.vendor,
      model: s.model,
      location: s.location,
      serial: s.serial,
      lender: '',
      powerType: s.power.type,
      hasPower: true,
      hypervisor: null,
      owner: (plan.users[s.owner] as { username: string }).username,
      user: null,
      loanedTo: s.loanedTo === null ? null : (plan.users[s.loanedTo] as { username: string }).username,
      dateAdded: s.dateAdded,
      dateLastInventoried: s.lastInventoried,
      cpu: {
        vendor: s.cpu.vendor,
        modelName: s.cpu.modelName,
        model: s.cpu.model,
        family: s.cpu.family,
        stepping: s.cpu.stepping,
        speed: s.cpu.speed,
        processors: s.cpu.processors,
        cores: s.cpu.totalCores,
        sockets: s.cpu.sockets,
        hyper: s.cpu.hyper,
        flags: s.cpu.flagsOf,
      },
      disks: s.disks.map((d) => ({
        model: d.model,
        size: d.bytes,
        sectorSize: d.sector,
        physSectorSize: d.phys,
      })),
      devices: s.devices.map((d) => ({
        type: d.deviceClass,
        bus: d.bus,
        driver: d.driver,
        vendorId: d.vendorId,
        deviceId: d.deviceId,
        subsysVendorId: '',
        subsysDeviceId: '',
        description: d.description,
      })),
      keyValues,
      numericKeys,
      pools: s.pools.map((p) => (plan.pools[p] as { name: string }).name),
      excluded: [],
    };
  });
}

// ---------------------------------------------------------------------------------------
// The queue

const esc = (s: string) =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
const leaf = (context: 'host' | 'system' | 'cpu', name: string, attrs: Record<string, string>): Pred => ({
  kind: 'leaf',
  context,
  xml: `<${name}${Object.entries(attrs)
    .map(([k, v]) => ` ${k}="${esc(v)}"`)
    .join('')}/>`,
});

/** Predicates true of `s` (mostly; `!=` on another value is true as well). */
class PredicateMaker {
  constructor(
    private readonly rnd: Random,
    private readonly plan: Pick<Plan, 'labs' | 'pools' | 'systems'>,
    private readonly textVocab: ReadonlyMap<KeyName, readonly string[]>,
  ) {}

  arch(s: PlanSystem): Pred {
    return leaf('system', 'arch', { op: '=', value: s.arch });
  }

  /** One of the thresholds, the higher ones likelier (users ask for about what they need). */
  private threshold(options: readonly number[]): number {
    return this.rnd.weighted(options.map((t, i) => [t, (i + 1) ** 2] as const));
  }

  memory(s: PlanSystem): Pred {
    const options = MEMORY.map(([m]) => m).filter((m) => m <= s.memory && m >= 4096);
    const value = options.length ? this.threshold(options) : s.memory;
    return leaf('system', 'memory', { op: '>=', value: String(value) });
  }

  cores(s: PlanSystem): Pred {
    const options = [2, 4, 8, 16, 32, 64].filter((c) => c <= s.cpu.totalCores);
    return leaf('cpu', 'cores', { op: '>=', value: String(options.length ? this.threshold(options) : 1) });
  }

  numericKey(s: PlanSystem): Pred | undefined {
    const present = s.keyValues.filter(([k]) => NUMERIC_THRESHOLDS[k] !== undefined);
    if (present.length === 0) return undefined;
    const [key, raw] = this.rnd.pick(present);
    const value = Number(raw);
    const thresholds = NUMERIC_THRESHOLDS[key] as readonly number[];
    const below = thresholds.filter((t) => t <= value);
    const draw = this.rnd.next();
    // Equality only where the values are few (counts, speeds), not on sums like DISKSPACE.
    if (below.length === 0 || (draw < 0.15 && thresholds.includes(value))) {
      return leaf('host', 'key_value', { key, op: '=', value: raw });
    }
    const strictly = below.filter((t) => t < value);
    if (draw < 0.3 && strictly.length) {
      return leaf('host', 'key_value', { key, op: '>', value: String(this.threshold(strictly)) });
    }
    return leaf('host', 'key_value', { key, op: '>=', value: String(this.threshold(below)) });
  }

  textKey(s: PlanSystem): Pred | undefined {
    const present = s.keyValues.filter(([k]) => TEXT_PREDICATE_KEYS.includes(k));
    if (present.length === 0) return undefined;
    const [key, value] = this.rnd.pick(present);
    const draw = this.rnd.next();
    if (draw < 0.2) {
      const others = (this.textVocab.get(key) ?? []).filter((v) => v !== value);
      if (others.length) return leaf('host', 'key_value', { key, op: '!=', value: this.rnd.pick(others) });
    } else if (draw < 0.3 && LIKE_KEYS.includes(key)) {
      const words = value.split(/[^A-Za-z0-9-]+/).filter((w) => w.length >= 3);
      if (words.length)
        return leaf('host', 'key_value', { key, op: 'like', value: `%${this.rnd.pick(words)}%` });
    }
    return leaf('host', 'key_value', { key, op: '=', value });
  }

  pool(s: PlanSystem): Pred | undefined {
    if (this.plan.pools.length === 0) return undefined;
    if (s.pools.length === 0) return leaf('host', 'pool', { op: '=', value: '' });
    const name = (this.plan.pools[this.rnd.pick(s.pools)] as { name: string }).name;
    return leaf('host', 'pool', { op: '=', value: name });
  }

  cpuFlag(s: PlanSystem): Pred | undefined {
    if (s.cpu.flagsOf.length === 0) return undefined;
    return leaf('cpu', 'flag', { op: '=', value: this.rnd.pick(s.cpu.flagsOf) });
  }

  cpuVendor(s: PlanSystem): Pred {
    return leaf('cpu', 'vendor', { op: '=', value: s.cpu.vendor });
  }

  lab(s: PlanSystem): Pred {
    // <hostlabcontroller> is the deprecated spelling (a parse warning); some jobs still use it.
    const name = this.rnd.chance(0.25) ? 'hostlabcontroller' : 'labcontroller';
    return leaf('host', name, { op: '=', value: this.plan.labs[s.lab] as string });
  }

  systemType(): Pred {
    return this.rnd.chance(0.7)
      ? leaf('system', 'type', { op: '=', value: 'Machine' })
      : leaf('system', 'type', { op: '!=', value: 'Prototype' });
  }

  /** Unless it holds an RT certification, which most systems do not. */
  notRtCert(s: PlanSystem): Pred | undefined {
    const rt = s.keyValues.find(([k]) => k === 'RTCERT');
    if (!rt || rt[1] === 'Yes') return undefined;
    return { kind: 'not', children: [leaf('host', 'key_value', { key: 'RTCERT', op: '=', value: 'Yes' })] };
  }

  /** Simple predicates, weighted (a kind that does not apply to the system is drawn again). */
  private readonly simpleKinds: [(s: PlanSystem) => Pred | undefined, number][] = [
    [(s) => this.memory(s), 18],
    [(s) => this.cores(s), 14],
    [(s) => this.numericKey(s), 20],
    [(s) => this.textKey(s), 26],
    [(s) => this.pool(s), 16],
    [(s) => this.cpuFlag(s), 4],
    [(s) => this.cpuVendor(s), 2],
  ];

  /** One simple predicate true of `s`. */
  simple(s: PlanSystem): Pred {
    for (;;) {
      const p = this.rnd.weighted(this.simpleKinds)(s);
      if (p) return p;
    }
  }

  /** Any predicate true of `s`, of at most `room` leaves; an `<or>`'s second branch comes from `other`. */
  any(s: PlanSystem, other: PlanSystem, room: number): Pred {
    const or = (): Pred => {
      const alternatives = [this.simple(s), this.simple(other)];
      return { kind: 'or', children: this.rnd.chance(0.5) ? alternatives : alternatives.reverse() };
    };
    const kind = this.rnd.weighted<() => Pred | undefined>([
      [() => this.simple(s), 80],
      [or, room >= 2 ? 12 : 0],
      [() => this.lab(s), 3],
      [() => this.systemType(), 2],
      [() => this.notRtCert(s), 3],
    ]);
    return kind() ?? this.simple(s);
  }
}

/**
 * `<hostRequires>` for the predicates, system and cpu leaves of the top-level `<and>` grouped.
 * Indented as it sits in the recipe's XML (recipeXml), so that both hold the same text, as
 * submission stores them (the element sliced from the document).
 */
function renderHostRequires(preds: readonly Pred[]): string {
  const system: string[] = [];
  const cpuLeaves: string[] = [];
  const rest: string[] = [];
  const render = (p: Pred): string =>
    p.kind === 'leaf' ? wrap(p) : `<${p.kind}>${p.children.map(render).join('')}</${p.kind}>`;
  for (const p of preds) {
    if (p.kind === 'leaf' && p.context === 'system') system.push(p.xml);
    else if (p.kind === 'leaf' && p.context === 'cpu') cpuLeaves.push(p.xml);
    else rest.push(render(p));
  }
  const lines = [
    ...(system.length ? [`<system>${system.join('')}</system>`] : []),
    ...(cpuLeaves.length ? [`<cpu>${cpuLeaves.join('')}</cpu>`] : []),
    ...rest,
  ];
  return `<hostRequires>\n    <and>\n${lines.map((l) => `      ${l}\n`).join('')}    </and>\n  </hostRequires>`;
}

async function generateQueue(
  o: Resolved,
  refs: ReferenceData,
  ctx: Inventory,
  busy: BusyClock,
): Promise<Queue> {
  busy.start();
  const rnd = new Random(o.seed, 'queue');
  const { systems } = ctx;
  const matcher = new Matcher(factsOf(ctx, refs.numericKeys));

  const textVocab = new Map<KeyName, string[]>();
  for (const s of systems) {
    for (const [k, v] of s.keyValues) {
      if (!TEXT_PREDICATE_KEYS.includes(k)) continue;
      const list = textVocab.get(k) ?? [];
      if (!list.includes(v)) list.push(v);
      textVocab.set(k, list);
    }
  }
  const maker = new PredicateMaker(rnd, ctx, textVocab);

  // Who may have the scheduler reserve what, ignoring loans (the scheduler's "ever" rule).
  const memberGroups = ctx.users.map(
    (_, u) => new Set(ctx.groups.flatMap((g, gi) => (g.members.includes(u) ? [gi] : []))),
  );
  const reservable = ctx.users.map((_, u) => {
    const bits = new Bitset(matcher.capacity);
    systems.forEach((s, i) => {
      const p = s.policy;
      const granted =
        s.owner === u ||
        s.loanedTo === u ||
        p.kind === 'everybody' ||
        (p.kind === 'group' && (memberGroups[u] as Set<number>).has(p.group)) ||
        (p.kind === 'user' && p.user === u);
      if (granted) bits.set(i);
    });
    return bits;
  });
  // Anchors: Automated systems the user may reserve, and the same per lab.
  const anchors = reservable.map((bits) =>
    systems.flatMap((s, i) => (s.status === 'Automated' && bits.has(i) ? [i] : [])),
  );
  const labBits = ctx.labs.map((_, lab) => {
    const bits = new Bitset(matcher.capacity);
    systems.forEach((s, i) => s.lab === lab && bits.set(i));
    return bits;
  });
  // Exactly-one targets: Automated, reservable by everybody, not on loan.
  const targets = systems.flatMap((s, i) =>
    s.status === 'Automated' && s.policy.kind === 'everybody' && s.loanedTo === null ? [i] : [],
  );
  const byArch = new Map<Arch, number[]>();
  systems.forEach((s, i) => {
    const list = byArch.get(s.arch);
    if (list) list.push(i);
    else byArch.set(s.arch, [i]);
  });

  // Recipe sets: sizes, then jobs of 1–3 consecutive sets.
  const sizes: number[] = [];
  for (let left = o.recipes; left > 0;) {
    const size = left >= 2 && rnd.chance(o.multiHostShare) ? Math.min(left, rnd.chance(0.5) ? 2 : 3) : 1;
    sizes.push(size);
    left -= size;
  }
  const singles = rnd.shuffle(sizes.flatMap((size, i) => (size === 1 ? [i] : [])));
  const zeroSets = new Set(singles.slice(0, Math.round(o.zeroCandidateShare * o.recipes)));
  const oneSets = new Set(
    singles.slice(
      zeroSets.size,
      zeroSets.size + (targets.length ? Math.round(o.oneCandidateShare * o.recipes) : 0),
    ),
  );
  const guestRecipes = new Set(
    rnd
      .shuffle(Array.from({ length: o.recipes }, (_, i) => i))
      .slice(0, Math.round(o.guestShare * o.recipes)),
  );

  const jobs: PlanJob[] = [];
  for (let setIndex = 0; setIndex < sizes.length;) {
    const count = Math.min(sizes.length - setIndex, rnd.weighted(SETS_PER_JOB));
    jobs.push({
      owner: rnd.int(0, o.users - 1),
      submittedAt: o.now,
      sets: Array.from({ length: count }, (_, k) => setIndex + k),
    });
    setIndex += count;
  }
  const spreadMs = o.submittedSpreadHours * 3_600_000;
  jobs.forEach((job, j) => {
    job.submittedAt = new Date(
      o.now.getTime() - spreadMs + Math.floor((spreadMs * j) / Math.max(1, jobs.length)),
    );
  });

  const sets: PlanSet[] = [];
  const recipes: PlanRecipe[] = [];
  for (const [j, job] of jobs.entries()) {
    await busy.slice();
    const ownerAnchors = anchors[job.owner] as number[];
    const ownerBits = reservable[job.owner] as Bitset;
    for (const [position, setIndex] of job.sets.entries()) {
      const size = sizes[setIndex] as number;
      const set: PlanSet = { job: j, position, priority: rnd.weighted(PRIORITIES), recipes: [] };
      const special = zeroSets.has(setIndex) ? 'zero' : oneSets.has(setIndex) ? 'one' : undefined;
      let drawn: { preds: Pred[]; anchor: PlanSystem; candidates: number; reservable: number }[];
      if (special === 'zero') drawn = [drawZero(rnd, maker, matcher, systems, byArch)];
      else if (special === 'one') drawn = [drawOne(rnd, maker, matcher, systems, targets, byArch)];
      else drawn = drawSet(rnd, maker, matcher, systems, size, ownerAnchors, ownerBits, labBits, byArch);
      for (const [k, d] of drawn.entries()) {
        const index = recipes.length;
        const role = size > 1 ? (k === 0 ? 'SERVERS' : 'CLIENTS') : 'None';
        recipes.push({
          set: sets.length,
          position: k,
          arch: d.anchor.arch,
          role,
          autopick: rnd.chance(0.05),
          whiteboard: `synthetic ${d.anchor.arch} recipe ${index + 1}`,
          hostRequires: renderHostRequires(d.preds),
          ...(special ? { special } : {}),
          candidates: d.candidates,
          reservable: d.reservable,
          ...(guestRecipes.has(index)
            ? {
                guest: {
                  name: `guest-${pad(index + 1, 5)}`,
                  args: '--ram=2048 --vcpus=2',
                  hostRequires: '<hostRequires/>',
                },
              }
            : {}),
        });
        set.recipes.push(index);
      }
      sets.push(set);
    }
  }
  busy.stop();
  return { jobs, sets, recipes };
}

/** What a predicate constrains (element, and key for key_value), so a recipe asks each thing once. */
function subjects(p: Pred): string[] {
  if (p.kind !== 'leaf') return p.children.flatMap(subjects);
  const [, name = '', key] = /^<(\w+)(?: key="([^"]*)")?/.exec(p.xml) ?? [];
  const element = name === 'hostlabcontroller' ? 'labcontroller' : name;
  return [key === undefined ? element : `${element}:${key}`];
}

/** Predicates for one recipe anchored on `anchor`: its arch plus more, `total` leaves in all. */
function drawPreds(
  rnd: Random,
  maker: PredicateMaker,
  anchor: PlanSystem,
  other: PlanSystem,
  total = rnd.int(3, 6),
) {
  const arch = maker.arch(anchor);
  const preds: Pred[] = [arch];
  const used = new Set(subjects(arch));
  let leaves = 1;
  for (let tries = 0; leaves < total; tries++) {
    const p = maker.any(anchor, other, total - leaves);
    const about = subjects(p);
    // A second memory bound or the same key twice says nothing new; give up on that only
    // if the system offers too few kinds of predicate (a tiny keyValuesPerSystem).
    if (tries < 100 && about.some((k) => used.has(k))) continue;
    about.forEach((k) => used.add(k));
    preds.push(p);
    leaves += leafCount(p);
  }
  return preds;
}

/** A random system of the same arch (the `<or>` branch that need not hold for the anchor). */
function sameArch(rnd: Random, systems: readonly PlanSystem[], byArch: Map<Arch, number[]>, s: PlanSystem) {
  return systems[rnd.pick(byArch.get(s.arch) as number[])] as PlanSystem;
}

/**
 * An ordinary recipe set: each recipe anchored on a system the owner may reserve (the
 * set's recipes in one lab), redrawn until the owner may reserve at least two matching
 * systems per recipe (a multi-host set: enough of them in one lab) and no recipe matches
 * more than MAX_CANDIDATE_SHARE of the lab.
 */
function drawSet(
  rnd: Random,
  maker: PredicateMaker,
  matcher: Matcher,
  systems: readonly PlanSystem[],
  size: number,
  ownerAnchors: readonly number[],
  ownerBits: Bitset,
  labBits: readonly Bitset[],
  byArch: Map<Arch, number[]>,
) {
  const pool = ownerAnchors.length ? ownerAnchors : systems.map((_, i) => i);
  let first = systems[0] as PlanSystem;
  let mates: number[] = [];
  for (let attempt = 0; ; attempt++) {
    // The anchor stays for a while (only the predicates are redrawn), so that the cap on broad
    // filters does not shift the queue's arch mix away from the lab's.
    if (attempt % 10 === 0) {
      first = systems[rnd.pick(pool)] as PlanSystem;
      mates =
        size === 1
          ? []
          : pool.filter((i) => systems[i]?.lab === first.lab && systems[i]?.arch === first.arch);
    }
    const drawn: {
      preds: Pred[];
      anchor: PlanSystem;
      bits: Bitset;
      candidates: number;
      reservable: number;
    }[] = [];
    for (let k = 0; k < size; k++) {
      const previous = drawn[k - 1];
      // Multi-host jobs often give every machine the same requirements: 60 % repeat them.
      if (previous && rnd.chance(0.6)) {
        drawn.push(previous);
        continue;
      }
      const anchor = k === 0 ? first : (systems[rnd.pick(mates)] as PlanSystem);
      // Past many attempts (a small lab), fall back to the anchor's arch in its lab: enough
      // systems for the set in one lab, and still a small share of the whole.
      const preds =
        attempt < 40
          ? drawPreds(rnd, maker, anchor, sameArch(rnd, systems, byArch, anchor))
          : [
              maker.arch(anchor),
              leaf('host', 'labcontroller', { op: '=', value: labFqdn(anchor.lab) }),
              leaf('system', 'memory', { op: '>=', value: '1024' }),
            ];
      const bits = matcher.match(preds);
      drawn.push({
        preds,
        anchor,
        bits,
        candidates: bits.count(),
        reservable: bits.copy().and(ownerBits).count(),
      });
    }
    const cap = MAX_CANDIDATE_SHARE * systems.length;
    const enough = drawn.every((d) => d.reservable >= Math.max(2, size) && d.candidates <= cap);
    const oneLab =
      size === 1 ||
      labBits.some((lab) => drawn.every((d) => d.bits.copy().and(ownerBits).and(lab).count() >= size));
    if ((enough && oneLab) || attempt >= 60) return drawn;
  }
}

/** A recipe no system matches: one impossible predicate among plausible ones. */
function drawZero(
  rnd: Random,
  maker: PredicateMaker,
  matcher: Matcher,
  systems: readonly PlanSystem[],
  byArch: Map<Arch, number[]>,
) {
  for (;;) {
    const anchor = rnd.pick(systems);
    const preds = drawPreds(rnd, maker, anchor, sameArch(rnd, systems, byArch, anchor), rnd.int(2, 5));
    preds.splice(rnd.int(1, preds.length), 0, { kind: 'leaf', context: 'host', xml: rnd.pick(IMPOSSIBLE) });
    if (matcher.match(preds).count() === 0) return { preds, anchor, candidates: 0, reservable: 0 };
  }
}

/** A recipe exactly one system matches: its name or asset tag, plus predicates true of it. */
function drawOne(
  rnd: Random,
  maker: PredicateMaker,
  matcher: Matcher,
  systems: readonly PlanSystem[],
  targets: readonly number[],
  byArch: Map<Arch, number[]>,
) {
  for (;;) {
    const anchor = systems[rnd.pick(targets)] as PlanSystem;
    const preds = drawPreds(rnd, maker, anchor, sameArch(rnd, systems, byArch, anchor), rnd.int(2, 5));
    const comment = anchor.keyValues.find(([k]) => k === 'COMMENT');
    const unique: Pred =
      comment && rnd.chance(0.5)
        ? leaf('host', 'key_value', { key: 'COMMENT', op: '=', value: comment[1] })
        : leaf('system', 'name', { op: '=', value: anchor.fqdn });
    preds.splice(rnd.int(1, preds.length), 0, unique);
    if (matcher.match(preds).count() === 1) return { preds, anchor, candidates: 1, reservable: 1 };
  }
}

const distroRequiresXml = (arch: string) =>
  `<distroRequires><distro_name op="=" value="${SYNTHETIC_DISTRO.name}"/>` +
  `<distro_arch op="=" value="${arch}"/></distroRequires>`;

/** The `<guestrecipe>` element, indented as it sits inside its host's `<recipe>`. */
function guestXml(r: PlanRecipe): string {
  const g = r.guest as NonNullable<PlanRecipe['guest']>;
  return [
    `<guestrecipe guestname="${esc(g.name)}" guestargs="${esc(g.args)}">`,
    `    ${distroRequiresXml(r.arch)}`,
    `    ${g.hostRequires}`,
    `    <task name="${SYNTHETIC_TASK}" role="STANDALONE"/>`,
    `  </guestrecipe>`,
  ].join('\n');
}

/** The `<recipe>` element as a job would hold it (its guest included, as submission stores it). */
function recipeXml(r: PlanRecipe): string {
  const taskRole = r.role === 'None' ? 'STANDALONE' : r.role;
  return [
    `<recipe whiteboard="${esc(r.whiteboard)}" role="${r.role}">`,
    `  <autopick random="${r.autopick}"/>`,
    `  <watchdog panic="ignore"/>`,
    `  ${distroRequiresXml(r.arch)}`,
    `  ${r.hostRequires}`,
    ...(r.guest ? [`  ${guestXml(r)}`] : []),
    `  <task name="${SYNTHETIC_TASK}" role="${taskRole}"/>`,
    `</recipe>`,
  ].join('\n');
}

const distroRequiresJson = (arch: string) =>
  JSON.stringify({
    kind: 'and',
    children: [
      { kind: 'leaf', field: 'name', op: '=', value: SYNTHETIC_DISTRO.name },
      { kind: 'leaf', field: 'arch', op: '=', value: arch },
    ],
  });

// ---------------------------------------------------------------------------------------
// Writing

const WRITTEN_TABLES = words(`
  user_account user_group group_member lab_controller os_major os_version distro distro_tree
  distro_tree_lab_url distro_tree_image access_policy access_policy_rule pool system system_arch cpu disk
  device key key_value power system_pool_member job recipe_set recipe recipe_task`);

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

type Queryable = pg.Client | pg.PoolClient;

async function loadReferenceData(db: Queryable): Promise<ReferenceData> {
  const arches = await db.query<{ id: number; name: string }>('SELECT id, name FROM arch');
  const archIds = new Map(arches.rows.map((r) => [r.name, r.id]));
  for (const [arch] of ARCHES) if (!archIds.has(arch)) throw new Error(`reference data lacks arch ${arch}`);
  const tag = await db.query<{ id: number }>(
    'SELECT id FROM retention_tag WHERE is_default ORDER BY id LIMIT 1',
  );
  if (!tag.rows[0]) throw new Error('reference data has no default retention tag');
  const group = await db.query<{ id: number }>(`SELECT id FROM user_group WHERE name = 'lab_controller'`);
  await db.query(
    `INSERT INTO "key" (name, "numeric") SELECT unnest($1::text[]), false ON CONFLICT (name) DO NOTHING`,
    [ADDED_KEYS],
  );
  const keys = await db.query<{ id: number; name: string; numeric: boolean }>(
    'SELECT id, name, "numeric" FROM "key"',
  );
  const keyIds = new Map(keys.rows.map((k) => [k.name, k.id]));
  for (const key of KEY_ORDER) if (!keyIds.has(key)) throw new Error(`reference data lacks key ${key}`);
  return {
    archIds,
    retentionTagId: tag.rows[0].id,
    labControllerGroupId: group.rows[0]?.id ?? null,
    keyIds,
    numericKeys: new Set(keys.rows.filter((k) => k.numeric).map((k) => k.name)),
  };
}

/** `count` ids from the table's own sequence, ascending. */
async function reserveIds(db: Queryable, table: string, count: number): Promise<number[]> {
  if (count === 0) return [];
  const { rows } = await db.query<{ id: number }>(
    `SELECT id FROM (SELECT nextval(pg_get_serial_sequence($1, 'id'))::int AS id FROM generate_series(1, $2)) s ORDER BY id`,
    [quote(table), count],
  );
  return rows.map((r) => r.id);
}

type Column =
  | 'int4'
  | 'int8'
  | 'text'
  | 'bool'
  | 'float8'
  /** A Date, written as UTC (Prisma's timestamp(3) convention). */
  | 'timestamp'
  | 'jsonb'
  /** A string[] column, sent as one text per row joined by U+001F. */
  | 'text[]'
  | { enum: string };

/** One multi-row INSERT … SELECT FROM unnest(…): one round trip for the whole table. */
async function insert(
  db: Queryable,
  table: string,
  columns: Record<string, [Column, unknown[]]>,
): Promise<number> {
  const entries = Object.entries(columns);
  const rows = entries[0]?.[1][1].length ?? 0;
  if (rows === 0) return 0;
  const unnestArgs: string[] = [];
  const selects: string[] = [];
  const params: unknown[] = [];
  entries.forEach(([name, [type, values]], i) => {
    if (values.length !== rows) throw new Error(`${table}.${name}: ${values.length} values for ${rows} rows`);
    const c = `c${i}`;
    const p = `$${i + 1}`;
    if (typeof type === 'object') {
      unnestArgs.push(`${p}::text[]`);
      selects.push(`${c}::${quote(type.enum)}`);
      params.push(values);
    } else if (type === 'timestamp') {
      unnestArgs.push(`${p}::text[]`);
      selects.push(`(${c}::timestamptz AT TIME ZONE 'UTC')`);
      params.push(values.map((v) => (v instanceof Date ? v.toISOString() : v)));
    } else if (type === 'jsonb') {
      unnestArgs.push(`${p}::text[]`);
      selects.push(`${c}::jsonb`);
      params.push(values);
    } else if (type === 'text[]') {
      unnestArgs.push(`${p}::text[]`);
      selects.push(`string_to_array(${c}, E'\\x1f')`);
      params.push(values.map((v) => (v as string[]).join('\x1f')));
    } else {
      unnestArgs.push(`${p}::${type}[]`);
      selects.push(c);
      params.push(values);
    }
  });
  const names = entries.map(([name]) => quote(name)).join(', ');
  const aliases = entries.map((_, i) => `c${i}`).join(', ');
  const result = await db.query(
    `INSERT INTO ${quote(table)} (${names}) SELECT ${selects.join(', ')} FROM unnest(${unnestArgs.join(', ')}) AS u(${aliases})`,
    params,
  );
  return result.rowCount ?? rows;
}

const col = <T, V>(rows: readonly T[], f: (row: T, index: number) => V): V[] => rows.map(f);

async function writePlan(
  db: Queryable,
  plan: Inventory,
  queue: Promise<Queue>,
  refs: ReferenceData,
  o: Resolved,
): Promise<Omit<SyntheticLab, 'seconds' | 'generateSeconds'>> {
  const now = o.now;
  const archId = (arch: string) => refs.archIds.get(arch) as number;

  // Users: owners, then one service account per lab controller.
  const lcUsers = plan.labs.map((fqdn) => ({
    username: `host/${fqdn}`,
    email: `root@${fqdn}`,
    displayName: `Lab controller ${fqdn}`,
  }));
  const allUsers = [...plan.users, ...lcUsers];
  const userIds = await reserveIds(db, 'user_account', allUsers.length);
  await insert(db, 'user_account', {
    id: ['int4', userIds],
    username: ['text', col(allUsers, (u) => u.username)],
    email: ['text', col(allUsers, (u) => u.email)],
    display_name: ['text', col(allUsers, (u) => u.displayName)],
    kind: [
      { enum: 'account_kind' },
      col(allUsers, (_, i) => (i < plan.users.length ? 'user' : 'labcontroller')),
    ],
    created_at: ['timestamp', col(allUsers, () => now)],
  });
  const uid = (u: number) => userIds[u] as number;
  const lcUserId = (lab: number) => userIds[plan.users.length + lab] as number;

  const groupIds = await reserveIds(db, 'user_group', plan.groups.length);
  await insert(db, 'user_group', {
    id: ['int4', groupIds],
    name: ['text', col(plan.groups, (g) => g.name)],
    display_name: ['text', col(plan.groups, (g) => g.name.replaceAll('-', ' ').toUpperCase())],
    description: ['text', col(plan.groups, (g) => `Synthetic group ${g.name}`)],
    created_at: ['timestamp', col(plan.groups, () => now)],
  });
  const members = plan.groups.flatMap((g, gi) =>
    g.members.map((u, k) => ({ group: groupIds[gi] as number, user: uid(u), owner: k === 0 })),
  );
  if (refs.labControllerGroupId !== null) {
    for (let lab = 0; lab < plan.labs.length; lab++) {
      members.push({ group: refs.labControllerGroupId, user: lcUserId(lab), owner: false });
    }
  }
  await insert(db, 'group_member', {
    group_id: ['int4', col(members, (m) => m.group)],
    user_id: ['int4', col(members, (m) => m.user)],
    is_owner: ['bool', col(members, (m) => m.owner)],
  });

  const labIds = await reserveIds(db, 'lab_controller', plan.labs.length);
  await insert(db, 'lab_controller', {
    id: ['int4', labIds],
    fqdn: ['text', plan.labs],
    user_id: ['int4', col(plan.labs, (_, i) => lcUserId(i))],
    created_at: ['timestamp', col(plan.labs, () => now)],
  });

  // One distro with a tree per arch, served by every lab.
  const archesUsed = ARCHES.map(([a]) => a);
  const [osMajorId] = await reserveIds(db, 'os_major', 1);
  await insert(db, 'os_major', { id: ['int4', [osMajorId]], name: ['text', [SYNTHETIC_DISTRO.family]] });
  const [osVersionId] = await reserveIds(db, 'os_version', 1);
  await insert(db, 'os_version', {
    id: ['int4', [osVersionId]],
    os_major_id: ['int4', [osMajorId]],
    os_minor: ['text', [SYNTHETIC_DISTRO.minor]],
  });
  const [distroId] = await reserveIds(db, 'distro', 1);
  await insert(db, 'distro', {
    id: ['int4', [distroId]],
    name: ['text', [SYNTHETIC_DISTRO.name]],
    os_version_id: ['int4', [osVersionId]],
    tags: ['text[]', [['RELEASED']]],
    created_at: ['timestamp', [now]],
  });
  const treeIds = await reserveIds(db, 'distro_tree', archesUsed.length);
  await insert(db, 'distro_tree', {
    id: ['int4', treeIds],
    distro_id: ['int4', col(archesUsed, () => distroId)],
    arch_id: ['int4', col(archesUsed, archId)],
    variant: ['text', col(archesUsed, () => SYNTHETIC_DISTRO.variant)],
    kind: [{ enum: 'distro_tree_kind' }, col(archesUsed, () => 'installer')],
    created_at: ['timestamp', col(archesUsed, () => now)],
  });
  const treeOf = new Map(archesUsed.map((a, i) => [a, treeIds[i] as number]));
  const treePath = (arch: string) =>
    `/distros/${SYNTHETIC_DISTRO.name}/${SYNTHETIC_DISTRO.variant}/${arch}/os/`;
  const urls = archesUsed.flatMap((arch) =>
    plan.labs.map((fqdn, lab) => ({
      tree: treeOf.get(arch) as number,
      lab: labIds[lab] as number,
      url: `http://${fqdn}${treePath(arch)}`,
    })),
  );
  await insert(db, 'distro_tree_lab_url', {
    distro_tree_id: ['int4', col(urls, (u) => u.tree)],
    lab_controller_id: ['int4', col(urls, (u) => u.lab)],
    url: ['text', col(urls, (u) => u.url)],
  });
  const images = archesUsed.flatMap((arch) => [
    { tree: treeOf.get(arch) as number, type: 'kernel', path: 'images/pxeboot/vmlinuz' },
    { tree: treeOf.get(arch) as number, type: 'initrd', path: 'images/pxeboot/initrd.img' },
  ]);
  await insert(db, 'distro_tree_image', {
    distro_tree_id: ['int4', col(images, (i) => i.tree)],
    image_type: ['text', col(images, (i) => i.type)],
    path: ['text', col(images, (i) => i.path)],
  });

  // Access policies: one per pool, one per system (its custom and active policy).
  const policyIds = await reserveIds(db, 'access_policy', plan.pools.length + plan.systems.length);
  await insert(db, 'access_policy', { id: ['int4', policyIds] });
  const poolPolicy = (p: number) => policyIds[p] as number;
  const systemPolicy = (s: number) => policyIds[plan.pools.length + s] as number;
  const rules: { policy: number; user: number | null; group: number | null; permission: string }[] = [];
  plan.pools.forEach((_, p) =>
    rules.push({ policy: poolPolicy(p), user: null, group: null, permission: 'view' }),
  );
  plan.systems.forEach((s, i) => {
    const policy = systemPolicy(i);
    rules.push({ policy, user: null, group: null, permission: 'view' });
    const p = s.policy;
    if (p.kind === 'everybody') rules.push({ policy, user: null, group: null, permission: 'reserve' });
    else if (p.kind === 'group')
      rules.push({ policy, user: null, group: groupIds[p.group] as number, permission: 'reserve' });
    else rules.push({ policy, user: uid(p.user), group: null, permission: 'reserve' });
  });
  await insert(db, 'access_policy_rule', {
    policy_id: ['int4', col(rules, (r) => r.policy)],
    user_id: ['int4', col(rules, (r) => r.user)],
    group_id: ['int4', col(rules, (r) => r.group)],
    permission: [{ enum: 'system_permission' }, col(rules, (r) => r.permission)],
  });

  const poolIds = await reserveIds(db, 'pool', plan.pools.length);
  await insert(db, 'pool', {
    id: ['int4', poolIds],
    name: ['text', col(plan.pools, (p) => p.name)],
    description: ['text', col(plan.pools, (p) => `Synthetic pool ${p.name}`)],
    owner_user_id: ['int4', col(plan.pools, (p) => (p.ownerUser === null ? null : uid(p.ownerUser)))],
    owner_group_id: [
      'int4',
      col(plan.pools, (p) => (p.ownerGroup === null ? null : (groupIds[p.ownerGroup] as number))),
    ],
    access_policy_id: ['int4', col(plan.pools, (_, i) => poolPolicy(i))],
    created_at: ['timestamp', col(plan.pools, () => now)],
  });

  const systems = plan.systems;
  const systemIds = await reserveIds(db, 'system', systems.length);
  await insert(db, 'system', {
    id: ['int4', systemIds],
    fqdn: ['text', col(systems, (s) => s.fqdn)],
    type: [{ enum: 'system_type' }, col(systems, () => 'Machine')],
    status: [{ enum: 'system_status' }, col(systems, (s) => s.status)],
    status_reason: [
      'text',
      col(systems, (s) => (s.status === 'Broken' ? 'synthetic: BMC does not answer' : '')),
    ],
    owner_id: ['int4', col(systems, (s) => uid(s.owner))],
    loaned_to_id: ['int4', col(systems, (s) => (s.loanedTo === null ? null : uid(s.loanedTo)))],
    loan_comment: ['text', col(systems, (s) => (s.loanedTo === null ? '' : 'synthetic loan'))],
    lab_controller_id: ['int4', col(systems, (s) => labIds[s.lab] as number)],
    serial: ['text', col(systems, (s) => s.serial)],
    location: ['text', col(systems, (s) => s.location)],
    vendor: ['text', col(systems, (s) => s.vendor)],
    model: ['text', col(systems, (s) => s.model)],
    memory: ['int4', col(systems, (s) => s.memory)],
    numa_nodes: ['int4', col(systems, (s) => s.numaNodes)],
    mac_address: ['text', col(systems, (s) => s.mac)],
    ip_address: ['text', col(systems, (s) => s.ip)],
    custom_access_policy_id: ['int4', col(systems, (_, i) => systemPolicy(i))],
    active_access_policy_id: ['int4', col(systems, (_, i) => systemPolicy(i))],
    date_added: ['timestamp', col(systems, (s) => s.dateAdded)],
    date_modified: ['timestamp', col(systems, () => now)],
    date_last_inventoried: ['timestamp', col(systems, (s) => s.lastInventoried)],
  });
  const sid = (i: number) => systemIds[i] as number;
  await insert(db, 'system_arch', {
    system_id: ['int4', systemIds],
    arch_id: ['int4', col(systems, (s) => archId(s.arch))],
  });
  await insert(db, 'cpu', {
    system_id: ['int4', systemIds],
    vendor: ['text', col(systems, (s) => s.cpu.vendor)],
    model_name: ['text', col(systems, (s) => s.cpu.modelName)],
    model: ['int4', col(systems, (s) => s.cpu.model)],
    family: ['int4', col(systems, (s) => s.cpu.family)],
    stepping: ['int4', col(systems, (s) => s.cpu.stepping)],
    speed: ['float8', col(systems, (s) => s.cpu.speed)],
    processors: ['int4', col(systems, (s) => s.cpu.processors)],
    cores: ['int4', col(systems, (s) => s.cpu.totalCores)],
    sockets: ['int4', col(systems, (s) => s.cpu.sockets)],
    hyper: ['bool', col(systems, (s) => s.cpu.hyper)],
    flags: ['text[]', col(systems, (s) => s.cpu.flagsOf)],
  });
  const disks = systems.flatMap((s, i) => s.disks.map((d) => ({ system: sid(i), ...d })));
  await insert(db, 'disk', {
    system_id: ['int4', col(disks, (d) => d.system)],
    model: ['text', col(disks, (d) => d.model)],
    size: ['int8', col(disks, (d) => d.bytes)],
    sector_size: ['int4', col(disks, (d) => d.sector)],
    phys_sector_size: ['int4', col(disks, (d) => d.phys)],
  });
  const devices = systems.flatMap((s, i) => s.devices.map((d) => ({ system: sid(i), ...d })));
  await insert(db, 'device', {
    system_id: ['int4', col(devices, (d) => d.system)],
    vendor_id: ['text', col(devices, (d) => d.vendorId)],
    device_id: ['text', col(devices, (d) => d.deviceId)],
    bus: ['text', col(devices, (d) => d.bus)],
    driver: ['text', col(devices, (d) => d.driver)],
    description: ['text', col(devices, (d) => d.description)],
    device_class: ['text', col(devices, (d) => d.deviceClass)],
  });
  const kvSystem: number[] = [];
  const kvKey: number[] = [];
  const kvValue: string[] = [];
  systems.forEach((s, i) => {
    for (const [key, value] of s.keyValues) {
      kvSystem.push(sid(i));
      kvKey.push(refs.keyIds.get(key) as number);
      kvValue.push(value);
    }
  });
  const keyValues = await insert(db, 'key_value', {
    system_id: ['int4', kvSystem],
    key_id: ['int4', kvKey],
    value: ['text', kvValue],
  });
  await insert(db, 'power', {
    system_id: ['int4', systemIds],
    power_type: ['text', col(systems, (s) => s.power.type)],
    address: ['text', col(systems, (s) => s.power.address)],
    user: ['text', col(systems, (s) => s.power.user)],
    power_id: ['text', col(systems, (s) => s.power.powerId)],
  });
  const memberships = systems.flatMap((s, i) => s.pools.map((p) => [sid(i), poolIds[p] as number] as const));
  await insert(db, 'system_pool_member', {
    system_id: ['int4', col(memberships, (m) => m[0])],
    pool_id: ['int4', col(memberships, (m) => m[1])],
  });

  // The queue. Every recipe has one task; a host's own counter excludes its guest's task.
  const { jobs, sets, recipes } = await queue;
  const tasksOfRecipe = (r: PlanRecipe) => 1 + (r.guest ? 1 : 0);
  const tasksOfSet = (s: PlanSet) =>
    s.recipes.reduce((n, r) => n + tasksOfRecipe(recipes[r] as PlanRecipe), 0);
  const jobIds = await reserveIds(db, 'job', jobs.length);
  await insert(db, 'job', {
    id: ['int4', jobIds],
    owner_id: ['int4', col(jobs, (j) => uid(j.owner))],
    submitter_id: ['int4', col(jobs, (j) => uid(j.owner))],
    retention_tag_id: ['int4', col(jobs, () => refs.retentionTagId)],
    whiteboard: ['text', col(jobs, (_, i) => `synthetic job ${i + 1}`)],
    status: [{ enum: 'task_status' }, col(jobs, () => 'Queued')],
    ttasks: ['int4', col(jobs, (j) => j.sets.reduce((n, s) => n + tasksOfSet(sets[s] as PlanSet), 0))],
    submitted_at: ['timestamp', col(jobs, (j) => j.submittedAt)],
  });
  const setIds = await reserveIds(db, 'recipe_set', sets.length);
  await insert(db, 'recipe_set', {
    id: ['int4', setIds],
    job_id: ['int4', col(sets, (s) => jobIds[s.job] as number)],
    position: ['int4', col(sets, (s) => s.position)],
    priority: [{ enum: 'task_priority' }, col(sets, (s) => s.priority)],
    status: [{ enum: 'task_status' }, col(sets, () => 'Queued')],
    ttasks: ['int4', col(sets, tasksOfSet)],
    queue_time: ['timestamp', col(sets, (s) => (jobs[s.job] as PlanJob).submittedAt)],
  });
  const guests = recipes.flatMap((r, i) => (r.guest ? [i] : []));
  const ids = await reserveIds(db, 'recipe', recipes.length + guests.length);
  const recipeIds = ids.slice(0, recipes.length);
  const guestIds = ids.slice(recipes.length);
  const recipeRows = [
    ...recipes.map((r, i) => ({ r, id: recipeIds[i] as number, guest: false, host: null as number | null })),
    ...guests.map((i, g) => ({
      r: recipes[i] as PlanRecipe,
      id: guestIds[g] as number,
      guest: true,
      host: recipeIds[i] as number,
    })),
  ];
  const machineRows = recipeRows.filter((row) => !row.guest);
  const guestRows = recipeRows.filter((row) => row.guest);
  for (const rows of [machineRows, guestRows]) {
    await insert(db, 'recipe', {
      id: ['int4', col(rows, (x) => x.id)],
      recipe_set_id: ['int4', col(rows, (x) => setIds[x.r.set] as number)],
      kind: [{ enum: 'recipe_kind' }, col(rows, (x) => (x.guest ? 'guest' : 'machine'))],
      host_recipe_id: ['int4', col(rows, (x) => x.host)],
      position: ['int4', col(rows, (x) => (x.guest ? 0 : x.r.position))],
      distro_tree_id: ['int4', col(rows, (x) => treeOf.get(x.r.arch) as number)],
      whiteboard: ['text', col(rows, (x) => (x.guest ? '' : x.r.whiteboard))],
      role: ['text', col(rows, (x) => (x.guest ? 'None' : x.r.role))],
      guest_name: ['text', col(rows, (x) => (x.guest ? (x.r.guest?.name ?? null) : null))],
      guest_args: ['text', col(rows, (x) => (x.guest ? (x.r.guest?.args ?? null) : null))],
      autopick_random: ['bool', col(rows, (x) => !x.guest && x.r.autopick)],
      watchdog_panic: ['text', col(rows, (x) => (x.guest ? null : 'ignore'))],
      host_requires_xml: [
        'text',
        col(rows, (x) => (x.guest ? (x.r.guest?.hostRequires ?? '') : x.r.hostRequires)),
      ],
      distro_requires: ['jsonb', col(rows, (x) => distroRequiresJson(x.r.arch))],
      xml: ['text', col(rows, (x) => (x.guest ? guestXml(x.r) : recipeXml(x.r)))],
      status: [{ enum: 'task_status' }, col(rows, () => 'Queued')],
      ttasks: ['int4', col(rows, () => 1)],
    });
  }
  const taskRows = [...machineRows, ...guestRows];
  const recipeTasks = await insert(db, 'recipe_task', {
    recipe_id: ['int4', col(taskRows, (x) => x.id)],
    position: ['int4', col(taskRows, () => 0)],
    name: ['text', col(taskRows, () => SYNTHETIC_TASK)],
    role: ['text', col(taskRows, (x) => (x.guest || x.r.role === 'None' ? 'STANDALONE' : x.r.role))],
    status: [{ enum: 'task_status' }, col(taskRows, () => 'Queued')],
  });

  const candidateCounts = recipes.map((r) => r.candidates);
  return {
    counts: {
      users: plan.users.length,
      groups: plan.groups.length,
      groupMembers: members.length,
      labControllers: plan.labs.length,
      distroTrees: treeIds.length,
      systems: systems.length,
      keyValues,
      disks: disks.length,
      devices: devices.length,
      pools: plan.pools.length,
      poolMembers: memberships.length,
      accessPolicies: policyIds.length,
      accessPolicyRules: rules.length,
      jobs: jobs.length,
      recipeSets: sets.length,
      machineRecipes: recipes.length,
      guestRecipes: guests.length,
      recipeTasks,
      brokenSystems: systems.filter((s) => s.status === 'Broken').length,
      manualSystems: systems.filter((s) => s.status === 'Manual').length,
      loanedSystems: systems.filter((s) => s.loanedTo !== null).length,
    },
    users: plan.users.map((u, i) => ({ id: uid(i), username: u.username })),
    groups: plan.groups.map((g, i) => ({ id: groupIds[i] as number, name: g.name })),
    labControllers: plan.labs.map((fqdn, i) => ({ id: labIds[i] as number, fqdn, userId: lcUserId(i) })),
    distroTrees: archesUsed.map((arch) => ({ id: treeOf.get(arch) as number, arch })),
    pools: plan.pools.map((p, i) => ({ id: poolIds[i] as number, name: p.name })),
    systemIds,
    jobIds,
    recipeSetIds: setIds,
    recipeIds,
    guestRecipeIds: guestIds,
    zeroCandidateRecipeIds: recipes.flatMap((r, i) => (r.special === 'zero' ? [recipeIds[i] as number] : [])),
    oneCandidateRecipeIds: recipes.flatMap((r, i) => (r.special === 'one' ? [recipeIds[i] as number] : [])),
    candidateCounts,
    candidates: candidateStats(candidateCounts),
    reservableCandidates: candidateStats(recipes.map((r) => r.reservable)),
  };
}

export function candidateStats(counts: readonly number[]): CandidateStats {
  const sorted = [...counts].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return {
    recipes: sorted.length,
    mean: sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : 0,
    median: at(0.5),
    p90: at(0.9),
    min: sorted[0] ?? 0,
    max: sorted[sorted.length - 1] ?? 0,
    zero: sorted.filter((c) => c === 0).length,
    one: sorted.filter((c) => c === 1).length,
  };
}
