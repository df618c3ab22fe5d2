/**
 * Micro-benchmark of host filter evaluation (not a Jest test). The brief's synthetic lab:
 * 5,000 systems × 30 key-values, 8 labs, 25 pools; recipes with 3–6 predicates. Prints the
 * average cost of one compiled predicate call and the heap the facts take.
 *
 *   npx tsc --outDir /tmp/hfb --rootDir . --module nodenext --target es2023 --skipLibCheck \
 *     --types node test/unit/host-filter/bench-evaluate.ts
 *   echo '{"type":"module"}' > /tmp/hfb/package.json; ln -sfn "$PWD/node_modules" /tmp/hfb/node_modules
 *   node --expose-gc /tmp/hfb/test/unit/host-filter/bench-evaluate.js
 */
import {
  compileHostFilter,
  matchesHost,
  parseHostRequires,
  withImplicitSystemType,
  type SystemFacts,
} from '../../../common/src/host-filter/index.js';

const SYSTEMS = 5000;
const RECIPES = 10_000;

let seed = 42;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) as number;
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const int = (low: number, high: number) => low + Math.floor(random() * (high - low + 1));

const LABS = Array.from({ length: 8 }, (_, i) => `lab${i}.example.com`);
const POOLS = Array.from({ length: 25 }, (_, i) => `pool-${i}`);
const FLAGS = Array.from({ length: 90 }, (_, i) => `flag${i}`).concat(['vmx', 'svm', 'avx512f', 'sse4_2']);
const KEYS = Array.from({ length: 40 }, (_, i) => `KEY${i}`);
const NUMERIC = new Set(KEYS.filter((_, i) => i % 3 === 0));
const DRIVERS = ['e1000e', 'ixgbe', 'tg3', 'mlx5_core', 'i40e', 'nvme', 'megaraid_sas', 'ahci'];

function system(i: number): SystemFacts {
  const keyValues = new Map<string, string[]>();
  while (keyValues.size < 30) {
    const key = pick(KEYS);
    keyValues.set(key, [NUMERIC.has(key) ? String(int(0, 64)) : `v${int(0, 9)}`]);
  }
  return {
    fqdn: `host${i}.${pick(LABS)}`,
    type: random() < 0.9 ? 'Machine' : pick(['Laptop', 'Prototype', 'Resource'] as const),
    status: random() < 0.85 ? 'Automated' : pick(['Manual', 'Broken'] as const),
    labController: pick(LABS),
    arches: random() < 0.8 ? ['x86_64', 'i386'] : [pick(['aarch64', 'ppc64le', 's390x'])],
    memory: pick([2048, 4096, 8192, 16384, 32768, 65536, 131072]),
    numaNodes: pick([1, 2, 4, 8]),
    vendor: pick(['Dell Inc.', 'HP', 'Lenovo', 'IBM', 'Supermicro']),
    model: `Model ${int(1, 50)}`,
    location: `Rack ${int(1, 40)}`,
    serial: `SN-${i}`,
    lender: '',
    powerType: 'ipmilan',
    hasPower: true,
    hypervisor: random() < 0.1 ? 'KVM' : null,
    owner: `user${int(1, 200)}`,
    user: null,
    loanedTo: null,
    dateAdded: new Date(Date.UTC(2015 + int(0, 9), int(0, 11), int(1, 28))),
    dateLastInventoried: new Date(Date.UTC(2024, int(0, 11), int(1, 28))),
    cpu: {
      vendor: pick(['GenuineIntel', 'AuthenticAMD']),
      modelName: 'Some CPU',
      model: int(1, 150),
      family: pick([6, 23, 25]),
      stepping: int(0, 12),
      speed: pick([2100, 2400, 3000, 3400]),
      processors: pick([4, 8, 16, 32, 64, 128]),
      cores: pick([2, 4, 8, 16, 32, 64]),
      sockets: pick([1, 2, 4]),
      hyper: random() < 0.5,
      flags: FLAGS.filter(() => random() < 0.7),
    },
    disks: Array.from({ length: int(1, 4) }, () => ({
      model: pick(['ST1000', 'PM1733', 'WDC']),
      size: int(1, 8) * 250e9,
      sectorSize: 512,
      physSectorSize: pick([512, 4096]),
    })),
    devices: Array.from({ length: int(2, 6) }, () => ({
      type: pick(['NETWORK', 'STORAGE', 'VIDEO']),
      bus: 'pci',
      driver: pick(DRIVERS),
      vendorId: pick(['8086', '14e4', '10de', '144d']),
      deviceId: 'abcd',
      subsysVendorId: '',
      subsysDeviceId: '',
      description: 'a device',
    })),
    keyValues,
    numericKeys: NUMERIC,
    pools: POOLS.filter(() => random() < 0.08),
    excluded: [],
  };
}

const PREDICATES: (() => string)[] = [
  () => `<labcontroller value="${pick(LABS)}"/>`,
  () => `<system><arch value="${pick(['x86_64', 'aarch64'])}"/></system>`,
  () => `<system><memory op=">=" value="${pick([4096, 8192, 16384])}"/></system>`,
  () => `<cpu><cores op=">=" value="${pick([4, 8, 16])}"/></cpu>`,
  () => `<cpu><flag value="${pick(['vmx', 'svm', 'avx512f'])}"/></cpu>`,
  () => `<key_value key="${pick([...NUMERIC])}" op=">" value="${int(0, 48)}"/>`,
  () => `<key_value key="${pick(KEYS)}" value="v${int(0, 9)}"/>`,
  () => `<pool op="!=" value="${pick(POOLS)}"/>`,
  () => `<device driver="${pick(DRIVERS)}"/>`,
  () => `<disk><size op=">=" value="${int(1, 3)}" units="TB"/></disk>`,
  () => `<system><vendor op="like" value="${pick(['dell%', 'hp', '%micro'])}"/></system>`,
  () => `<system><hypervisor value=""/></system>`,
];

function recipe(): string {
  const parts = Array.from({ length: int(3, 6) }, () => pick(PREDICATES)());
  return `<hostRequires>${parts.join('')}</hostRequires>`;
}

const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const heapBefore = process.memoryUsage().heapUsed;
const systems = Array.from({ length: SYSTEMS }, (_, i) => system(i));
gc?.();
const indexMb = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;

let started = performance.now();
const filters = Array.from({ length: RECIPES }, () => {
  const parsed = parseHostRequires(recipe());
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return withImplicitSystemType(parsed.filter, 'machine');
});
const predicates = filters.map(compileHostFilter);
const parseMs = performance.now() - started;

// Warm up, then time recipe × system evaluations.
let matches = 0;
for (let r = 0; r < 200; r++)
  for (const s of systems) if ((predicates[r] as (f: SystemFacts) => boolean)(s)) matches++;
const rounds = Number(process.argv[2] ?? 2000);
matches = 0;
started = performance.now();
for (let r = 0; r < rounds; r++) {
  const predicate = predicates[r % RECIPES] as (f: SystemFacts) => boolean;
  for (const s of systems) if (predicate(s)) matches++;
}
const evalMs = performance.now() - started;
const evaluations = rounds * SYSTEMS;
const matchRate = matches / evaluations;

// The same through matchesHost (one WeakMap lookup per call for the compiled predicate).
started = performance.now();
for (let r = 0; r < rounds / 4; r++) {
  const filter = filters[r % RECIPES] as (typeof filters)[number];
  for (const s of systems) if (matchesHost(filter, s)) matches++;
}
const matchesHostNs = ((performance.now() - started) * 1e6) / ((rounds / 4) * SYSTEMS);

console.log(
  JSON.stringify({
    systems: SYSTEMS,
    recipes_compiled: RECIPES,
    parse_and_compile_ms_per_recipe: +(parseMs / RECIPES).toFixed(4),
    evaluations,
    ns_per_evaluation: +((evalMs * 1e6) / evaluations).toFixed(1),
    ns_per_matches_host: +matchesHostNs.toFixed(1),
    match_rate: +matchRate.toFixed(4),
    all_pairs_s_estimate: +(((evalMs / evaluations) * RECIPES * SYSTEMS) / 1000).toFixed(2),
    facts_heap_mb: +indexMb.toFixed(1),
  }),
);
