import { BENCH_DISTRO } from './lab.js';

// Task names and parameters in the style of a kernel tier-1 run; every other task has params,
// as real jobs pass test selections and timeouts that way.
const TASKS: readonly [string, Record<string, string>?][] = [
  ['/distribution/check-install'],
  ['/kernel/syscalls/ltp-lite', { TESTARGS: 'syscalls', KILLTIMEOVERRIDE: '7200' }],
  ['/kernel/filesystems/xfs/xfstests', { FSTYP: 'xfs', TEST_PARAM_RUNTESTS: 'generic/001 generic/002' }],
  ['/kernel/networking/ipv6/fragments'],
  ['/kernel/memory/hugepages', { NR_HUGEPAGES: '128' }],
  ['/kernel/scheduler/cfs-fairness'],
  ['/kernel/storage/lvm/thinp', { DEVICE_SIZE: '10G' }],
  ['/kernel/security/selinux-policy'],
  ['/kernel/tracing/ftrace-smoke', { TRACERS: 'function function_graph' }],
  ['/kernel/power-management/cpufreq'],
  ['/kernel/virt/kvm-unit-tests', { ACCEL: 'kvm' }],
  ['/kernel/networking/tcp/congestion'],
  ['/kernel/filesystems/ext4/fsck', { MKFS_OPTS: '-O metadata_csum' }],
  ['/kernel/ipc/msgqueue'],
  ['/kernel/crypto/self-tests', { FIPS: '0' }],
  ['/kernel/debug/kdump-smoke'],
  ['/kernel/audit/rules', { RULESET: 'stig' }],
  ['/kernel/cgroups/v2-controllers'],
  ['/kernel/timers/hrtimer-latency', { DURATION: '300' }],
  ['/distribution/utils/collect-logs'],
];

export const TASKS_PER_JOB = TASKS.length;

const param = ([name, value]: [string, string]) => `<param name="${name}" value="${value}"/>`;
const task = ([name, params]: [string, Record<string, string>?]) =>
  params
    ? `      <task name="${name}" role="STANDALONE"><params>${Object.entries(params).map(param).join('')}</params></task>`
    : `      <task name="${name}" role="STANDALONE"/>`;

/**
 * A realistic single-recipe job of 20 tasks (about 3 KB): whiteboard, retention tag, a
 * `<distroRequires>` that matches the seeded BenchLinux tree, and a `<hostRequires>` with a
 * handful of predicates. `serial` makes every document distinct, as real submissions are.
 */
export function benchJobXml(serial: number): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<job retention_tag="scratch">
  <whiteboard>bench #${serial}: kernel tier-1 regression, kernel-5.14.0-${400 + (serial % 100)}.el9</whiteboard>
  <recipeSet priority="Normal">
    <recipe whiteboard="tier-1 ${BENCH_DISTRO.arch}" role="STANDALONE" ks_meta="harness=restraint" kernel_options="" kernel_options_post="">
      <autopick random="false"/>
      <watchdog panic="ignore"/>
      <packages><package name="gcc"/><package name="make"/><package name="kernel-devel"/></packages>
      <ks_appends/>
      <repos><repo name="tasks" url="http://tasks.bench.test/repo/"/></repos>
      <distroRequires>
        <and>
          <distro_name op="=" value="${BENCH_DISTRO.name}"/>
          <distro_arch op="=" value="${BENCH_DISTRO.arch}"/>
          <distro_variant op="=" value="${BENCH_DISTRO.variant}"/>
        </and>
      </distroRequires>
      <hostRequires>
        <and>
          <system><memory op="&gt;=" value="8192"/></system>
          <cpu><cores op="&gt;=" value="4"/></cpu>
          <key_value key="DISKSPACE" op="&gt;=" value="100000"/>
          <system_type value="Machine"/>
          <hypervisor op="=" value=""/>
        </and>
      </hostRequires>
      <partitions/>
${TASKS.map(task).join('\n')}
      <reservesys duration="3600" when="onfail"/>
    </recipe>
  </recipeSet>
</job>
`;
}
